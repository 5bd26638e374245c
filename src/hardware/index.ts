/**
 * Public surface of src/hardware: the GPU catalog (MIG profiles, placements, sharing, GFD
 * labels), the MIG layout rules, full-layout enumeration and placement. Facts and their sources:
 * docs/hardware.md. Other layers import from here only.
 */
export type {
  CpuNode,
  DriverCombinationRule,
  DriverOption,
  GfdProduct,
  GpuFamily,
  GpuType,
  Layout,
  MigEngines,
  MigPartedInfo,
  MigProfile,
  MigProfileKind,
  Placement,
  SharingModel,
} from './types.js';
export {
  baseProfileForComputeSlices,
  cpuNode,
  getGpuType,
  getMigGpuType,
  getMigProfile,
  gpuTypeInfo,
  knownGpuTypes,
  listGpuTypes,
  migProfileInfo,
  normalizeGpuName,
  normalizeProfileName,
  wholeGpuProfile,
} from './catalog.js';
export { parseDriverVersion, driverMeets } from './driver.js';
export type { ProfileSelection } from './geometry.js';
export { checkLayout, isValidLayout, type LayoutRule, type LayoutViolation } from './layout-check.js';
export {
  enumerateFullLayouts,
  enumerateLayouts,
  fullLayoutMultisets,
  layoutMultisets,
  type EnumerateOptions,
  type LayoutMultiset,
} from './layout-enumerate.js';
export {
  findPlacement,
  freeSpace,
  maxInstancesThatFit,
  placeProfiles,
  type FreeSpace,
  type FreeSpaceOptions,
  type PlaceFailure,
  type PlaceOptions,
  type PlaceResult,
} from './placement.js';
export { creationOrder, describeLayout, layoutToString, migPartedConfigName, parseLayout, type LayoutSummary } from './layout-format.js';
export { compareProfileNames, profileCounts } from './profile-counts.js';
export { defaultShares, gpuShare, type GpuShare, type ShareMode, type ShareRequest } from './sharing.js';
