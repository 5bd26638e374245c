/**
 * Test helpers: the public surface plus the candidate placements a search considers, so tests
 * can check maximality against the checker without reaching into the search itself.
 */
import { getMigGpuType } from '../catalog.js';
import { selectProfiles, type ProfileSelection } from '../geometry.js';
import type { Placement } from '../types.js';

export * from '../index.js';

export function candidatesForTest(gpuType: string, profiles: ProfileSelection, driver: number | undefined): Placement[] {
  return selectProfiles(getMigGpuType(gpuType), profiles, driver).flatMap((p) => p.starts.map((start) => ({ profile: p.name, start })));
}
