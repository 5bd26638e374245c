import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { TesseraError } from '../../../core/index.js';
import type { RenderResult } from './render.js';

/** Lists what the last render wrote, so the next one can remove what a new plan no longer has. */
export const RENDER_MARKER = '.tessera-render.json';

function listFiles(dir: string, base = dir): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry);
    return statSync(full).isDirectory() ? listFiles(full, base) : [path.relative(base, full).split(path.sep).join('/')];
  });
}

function previousFiles(outDir: string): Set<string> {
  if (!existsSync(outDir)) return new Set();
  const existing = listFiles(outDir);
  if (existing.length === 0) return new Set();
  const markerPath = path.join(outDir, RENDER_MARKER);
  if (!existsSync(markerPath)) {
    throw new TesseraError('TESSERA_ERR_K8S_OUTPUT', `'${outDir}' is not empty and was not written by \`tessera k8s render\`; render into an empty folder`, { details: { outDir } });
  }
  try {
    const marker = JSON.parse(readFileSync(markerPath, 'utf8')) as { files?: unknown };
    const files = Array.isArray(marker.files) ? marker.files.filter((f): f is string => typeof f === 'string') : [];
    const foreign = existing.filter((f) => f !== RENDER_MARKER && !files.includes(f));
    if (foreign.length > 0) {
      throw new TesseraError('TESSERA_ERR_K8S_OUTPUT', `'${outDir}' holds files an earlier render did not write (${foreign.slice(0, 5).join(', ')}${foreign.length > 5 ? ', …' : ''}); move them away or render elsewhere`, {
        details: { outDir, foreign },
      });
    }
    return new Set(files);
  } catch (cause) {
    if (cause instanceof TesseraError) throw cause;
    throw new TesseraError('TESSERA_ERR_K8S_OUTPUT', `cannot read ${RENDER_MARKER} in '${outDir}'`, { cause, details: { outDir } });
  }
}

/** Removes `dir` and its parents up to (not including) `root` while they are empty. */
function pruneEmptyDirs(root: string, dir: string): void {
  const top = path.resolve(root);
  for (let d = path.resolve(dir); d !== top && d.startsWith(top + path.sep); d = path.dirname(d)) {
    if (!existsSync(d) || readdirSync(d).length > 0) return;
    rmSync(d, { recursive: true, force: true });
  }
}

/**
 * Writes a render into `outDir`: creates it, removes files a previous render wrote that this one
 * does not (a service the new plan dropped must not be applied again), writes every file.
 * Refuses a folder with files Tessera did not write.
 */
export function writeRender(result: RenderResult, outDir: string): { written: string[]; removed: string[] } {
  const previous = previousFiles(outDir);
  const current = new Set(result.files.map((f) => f.path));
  const removed = [...previous].filter((f) => !current.has(f)).sort();
  try {
    mkdirSync(outDir, { recursive: true });
    for (const f of removed) {
      rmSync(path.join(outDir, f), { force: true });
      pruneEmptyDirs(outDir, path.dirname(path.join(outDir, f)));
    }
    for (const f of result.files) {
      const target = path.join(outDir, f.path);
      mkdirSync(path.dirname(target), { recursive: true });
      writeFileSync(target, f.content);
    }
    writeFileSync(path.join(outDir, RENDER_MARKER), `${JSON.stringify({ files: [...current] }, null, 2)}\n`);
  } catch (cause) {
    throw new TesseraError('TESSERA_ERR_K8S_OUTPUT', `cannot write into '${outDir}': ${(cause as Error).message}`, { cause, details: { outDir } });
  }
  return { written: [...current], removed };
}
