/**
 * Every profile the planner can use for a fleet, by model name: imported ones (the model's
 * `profiles:` file or folder) and measured ones from the store that match the model file's
 * sha256 and the spec's input description. Reads files only: no onnxruntime, no measuring.
 */
import path from 'node:path';
import { toTesseraError, type LoadedFleet } from '../core/index.js';
import { importProfiles } from './import/import-profiles.js';
import { sourceSha256 } from './model-source.js';
import { onnxruntimeVersion } from './ort-session.js';
import type { ModelProfile } from './profile-types.js';
import { DEFAULT_PROFILE_STORE_DIR, inputsKey, ProfileStore } from './store.js';

export interface FleetProfilesOptions {
  /** Told about models whose file cannot be found (they get imported profiles only). */
  readonly onWarning?: (message: string) => void;
}

/**
 * Profiles by model name (every model of the fleet has an entry, possibly empty). Imported
 * files that are missing or malformed throw coded errors: they are the user's input. Of several
 * measured profiles for one device fingerprint, the one from the installed onnxruntime wins,
 * else the newest.
 */
export function loadProfilesForFleet(loaded: LoadedFleet, storeDir: string = DEFAULT_PROFILE_STORE_DIR, options: FleetProfilesOptions = {}): Map<string, ModelProfile[]> {
  const { fleet, baseDir } = loaded;
  const store = new ProfileStore(storeDir);
  const gpuTypes = [...new Set(fleet.inventory.nodes.flatMap((n) => (n.gpus ? [n.gpus.type] : [])))];
  const fallbackGpuType = gpuTypes.length === 1 ? gpuTypes[0] : undefined;
  const ortVersion = onnxruntimeVersion();
  const out = new Map<string, ModelProfile[]>();
  for (const model of fleet.models) {
    const profiles: ModelProfile[] = [];
    if (model.profiles !== undefined) {
      profiles.push(...importProfiles(path.resolve(baseDir, model.profiles), { model: model.name, ...(fallbackGpuType === undefined ? {} : { fallbackGpuType }) }));
    }
    if (model.source !== undefined) {
      let sha: string | undefined;
      try {
        sha = sourceSha256(model.source, { baseDir });
      } catch (err) {
        options.onWarning?.(`model '${model.name}': no measured profiles (${toTesseraError(err).message})`);
      }
      if (sha !== undefined) {
        const key = inputsKey(model.input);
        const best = new Map<string, ModelProfile>();
        for (const { profile } of store.list({ modelSha256: sha })) {
          if ((profile.inputsKey ?? inputsKey(undefined)) !== key) continue;
          const prev = best.get(profile.device.fingerprint);
          if (prev === undefined || preferred(profile, prev, ortVersion)) best.set(profile.device.fingerprint, profile);
        }
        profiles.push(...[...best.values()].map((p) => ({ ...p, model: model.name })));
      }
    }
    out.set(model.name, profiles);
  }
  return out;
}

function preferred(a: ModelProfile, b: ModelProfile, ortVersion: string): boolean {
  const aCurrent = a.runtime.version === ortVersion;
  const bCurrent = b.runtime.version === ortVersion;
  if (aCurrent !== bCurrent) return aCurrent;
  return a.measuredAt > b.measuredAt;
}
