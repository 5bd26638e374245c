import { TesseraError } from '../core/errors/index.js';

/**
 * Collects every problem in a policy's options before failing, so a user fixes them in one go
 * (the same rule the fleet spec follows) instead of one error per run.
 */
export class ProblemList {
  private readonly problems: string[] = [];

  add(field: string, message: string): void {
    this.problems.push(`${field}: ${message}`);
  }

  /** A finite number ≥ `min` (or > `min` when `exclusive`); anything else is recorded. */
  number(field: string, value: unknown, min: number, exclusive = false): boolean {
    const ok = typeof value === 'number' && Number.isFinite(value) && (exclusive ? value > min : value >= min);
    if (!ok) this.add(field, `must be a finite number ${exclusive ? '>' : '≥'} ${min} (got ${String(value)})`);
    return ok;
  }

  integer(field: string, value: unknown, min: number): boolean {
    const ok = typeof value === 'number' && Number.isInteger(value) && value >= min;
    if (!ok) this.add(field, `must be an integer ≥ ${min} (got ${String(value)})`);
    return ok;
  }

  fraction(field: string, value: unknown, lowExclusive: number, highInclusive: number): boolean {
    const ok = typeof value === 'number' && value > lowExclusive && value <= highInclusive;
    if (!ok) this.add(field, `must lie in (${lowExclusive}, ${highInclusive}] (got ${String(value)})`);
    return ok;
  }

  /** Throws one TESSERA_ERR_POLICY_CONFIG naming every recorded problem, if there are any. */
  throwIfAny(policy: string): void {
    if (this.problems.length === 0) return;
    throw new TesseraError(
      'TESSERA_ERR_POLICY_CONFIG',
      `policy '${policy}' cannot run with these options:\n  - ${this.problems.join('\n  - ')}\nSee docs/policies.md for each parameter and its default.`,
      { details: { policy, problems: [...this.problems] } },
    );
  }
}

export function unknownPolicyError(kind: string, name: unknown, known: readonly string[]): TesseraError {
  return new TesseraError(
    'TESSERA_ERR_POLICY_UNKNOWN',
    `there is no ${kind} policy '${String(name)}'; use one of: ${known.join(', ')}`,
    { details: { kind, name: String(name), known: [...known] } },
  );
}

/**
 * States cross process and JSON boundaries (snapshots, replays), so a mix-up shows up as a
 * state tagged for another policy; failing loudly beats deciding from the wrong fields.
 */
export function checkStateTag(state: unknown, policy: string): void {
  const tag = typeof state === 'object' && state !== null ? (state as { policy?: unknown }).policy : undefined;
  if (tag !== policy) {
    throw new TesseraError(
      'TESSERA_ERR_POLICY_STATE',
      `policy '${policy}' was handed state for '${String(tag)}'; start from its initialState()`,
      { details: { policy, got: String(tag) } },
    );
  }
}
