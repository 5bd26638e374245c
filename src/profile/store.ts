/**
 * Measured profiles on disk: one JSON file (a plain ModelProfile, so it is also importable) per
 * model file × device × runtime version × input description. A profile is reused while all four
 * are unchanged; a new model export, CPU, thread budget, onnxruntime or input shape measures anew.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { TesseraError } from '../core/index.js';
import type { InputSpecLike } from './inputs.js';
import { parseProfilesJson } from './profile-schema.js';
import type { ModelProfile } from './profile-types.js';

export const DEFAULT_PROFILE_STORE_DIR = '.tessera/profiles';

export interface ProfileStoreKey {
  readonly modelSha256: string;
  readonly deviceFingerprint: string;
  readonly runtimeVersion: string;
  /** `inputsKey()` of the input description the figures were measured with. */
  readonly inputsKey: string;
}

/**
 * A stable hash of an input description as written (spec `input` map or `--input` flags), with
 * the default batch axis filled in so `{}` and `{batchAxis: 0}` agree. Computed without opening
 * the model, so readers (the planner) can match profiles to a spec cheaply.
 */
export function inputsKey(input: Readonly<Record<string, InputSpecLike>> | undefined): string {
  const canonical = Object.keys(input ?? {})
    .sort()
    .map((name) => {
      const i = (input ?? {})[name] as InputSpecLike;
      return [name, [...i.shape], i.dtype, i.batchAxis === undefined ? 0 : i.batchAxis, i.value ?? null, i.range ? [...i.range] : null];
    });
  return createHash('sha256').update(JSON.stringify(canonical)).digest('hex').slice(0, 16);
}

export function storeKeyOf(profile: ModelProfile): ProfileStoreKey | undefined {
  if (profile.modelSha256 === undefined || profile.origin !== 'measured') return undefined;
  return {
    modelSha256: profile.modelSha256,
    deviceFingerprint: profile.device.fingerprint,
    runtimeVersion: profile.runtime.version,
    inputsKey: profile.inputsKey ?? inputsKey(undefined),
  };
}

function sameKey(a: ProfileStoreKey, b: ProfileStoreKey): boolean {
  return a.modelSha256 === b.modelSha256 && a.deviceFingerprint === b.deviceFingerprint && a.runtimeVersion === b.runtimeVersion && a.inputsKey === b.inputsKey;
}

export interface StoredProfile {
  readonly file: string;
  readonly profile: ModelProfile;
}

export class ProfileStore {
  readonly dir: string;

  constructor(dir: string = DEFAULT_PROFILE_STORE_DIR) {
    this.dir = path.resolve(dir);
  }

  /** `<sha256 prefix>-<hash of the rest of the key>.json`; the full key is checked on read. */
  fileFor(key: ProfileStoreKey): string {
    const rest = createHash('sha256').update(`${key.deviceFingerprint}\n${key.runtimeVersion}\n${key.inputsKey}`).digest('hex').slice(0, 16);
    return path.join(this.dir, `${key.modelSha256.slice(0, 16)}-${rest}.json`);
  }

  /** The stored profile for this key, or undefined (missing, unreadable, or another key's file). */
  get(key: ProfileStoreKey): ModelProfile | undefined {
    const profile = readProfileFile(this.fileFor(key));
    if (profile === undefined) return undefined;
    const stored = storeKeyOf(profile);
    return stored !== undefined && sameKey(stored, key) ? profile : undefined;
  }

  /** Writes atomically (a reader never sees half a file) and returns the file. */
  put(profile: ModelProfile): string {
    const key = storeKeyOf(profile);
    if (key === undefined) {
      throw new TesseraError('TESSERA_ERR_CORE_INTERNAL', `only measured profiles with a model sha256 go to the store (got ${profile.origin} '${profile.model}')`);
    }
    const file = this.fileFor(key);
    try {
      mkdirSync(this.dir, { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, `${JSON.stringify(profile, null, 2)}\n`);
      renameSync(tmp, file);
    } catch (cause) {
      throw new TesseraError('TESSERA_ERR_PROFILE_STORE_WRITE', `cannot write profile to ${file}: ${cause instanceof Error ? cause.message : String(cause)}; check that ${this.dir} is writable or pass --store`, {
        cause,
        details: { file },
      });
    }
    return file;
  }

  /** Every readable profile in the store, optionally only those of one model file. */
  list(filter: { modelSha256?: string } = {}): StoredProfile[] {
    let names: string[];
    try {
      names = readdirSync(this.dir).filter((n) => n.endsWith('.json'));
    } catch {
      return [];
    }
    const out: StoredProfile[] = [];
    for (const name of names.sort()) {
      if (filter.modelSha256 !== undefined && !name.startsWith(filter.modelSha256.slice(0, 16))) continue;
      const file = path.join(this.dir, name);
      const profile = readProfileFile(file);
      if (profile === undefined) continue;
      if (filter.modelSha256 !== undefined && profile.modelSha256 !== filter.modelSha256) continue;
      out.push({ file, profile });
    }
    return out;
  }
}

/** A corrupt or foreign store file is treated as absent: the model is simply measured again. */
function readProfileFile(file: string): ModelProfile | undefined {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
  const parsed = parseProfilesJson(data);
  return parsed.ok && parsed.profiles.length === 1 ? parsed.profiles[0] : undefined;
}
