export * from './schema.js';
export { loadFleetFile, parseFleetText, validateFleet, formatProblems, type LoadedFleet, type SpecProblem, type ValidationResult } from './load.js';
export { fleetJsonSchema } from './json-schema.js';
