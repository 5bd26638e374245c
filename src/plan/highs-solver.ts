import { TesseraError } from '../core/index.js';

/**
 * A linear model written out in CPLEX LP format (what the `highs` package reads), and the call
 * into HiGHS. Kept free of planning concepts so the MILP, its LP relaxation (lower bound) and the
 * infeasibility repair all share it.
 */
export type Sense = '<=' | '>=' | '=';

interface Row {
  readonly name: string;
  readonly terms: ReadonlyMap<string, number>;
  readonly sense: Sense;
  readonly rhs: number;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function num(x: number): string {
  // Plain decimals: LP readers differ on exponents; 12 significant digits are plenty here.
  if (Number.isInteger(x)) return String(x);
  const s = x.toPrecision(12);
  return s.includes('e') ? x.toFixed(15).replace(/0+$/, '') : s;
}

export class LpModel {
  private readonly objective = new Map<string, number>();
  private readonly rows: Row[] = [];
  private readonly bounds = new Map<string, { lo: number; hi: number }>();
  private readonly integers = new Set<string>();
  private readonly vars = new Set<string>();

  private touch(v: string): void {
    if (!NAME.test(v)) throw new Error(`bad LP variable name '${v}'`);
    this.vars.add(v);
  }

  addObjective(v: string, c: number): void {
    this.touch(v);
    this.objective.set(v, (this.objective.get(v) ?? 0) + c);
  }

  addRow(name: string, terms: ReadonlyMap<string, number> | readonly (readonly [string, number])[], sense: Sense, rhs: number): void {
    const map = new Map<string, number>();
    for (const [v, c] of terms instanceof Map ? terms : new Map(terms as readonly (readonly [string, number])[])) {
      this.touch(v);
      map.set(v, (map.get(v) ?? 0) + c);
    }
    this.rows.push({ name, terms: map, sense, rhs });
  }

  setBounds(v: string, lo: number, hi: number): void {
    this.touch(v);
    this.bounds.set(v, { lo, hi });
  }

  setInteger(v: string): void {
    this.touch(v);
    this.integers.add(v);
  }

  get variableCount(): number {
    return this.vars.size;
  }

  get rowCount(): number {
    return this.rows.length;
  }

  /** CPLEX LP text; with `relax` the integrality section is left out (the LP relaxation). */
  toLp(relax = false): string {
    const out: string[] = ['Minimize'];
    out.push(this.expr('obj', this.objective));
    out.push('Subject To');
    for (const r of this.rows) {
      const rhs = r.rhs === 0 ? '0' : num(r.rhs);
      out.push(`${this.expr(r.name, r.terms)} ${r.sense} ${rhs}`);
    }
    out.push('Bounds');
    for (const v of [...this.vars].sort()) {
      const b = this.bounds.get(v);
      if (b === undefined) continue;
      const hi = Number.isFinite(b.hi) ? num(b.hi) : '+inf';
      out.push(` ${num(b.lo)} <= ${v} <= ${hi}`);
    }
    const ints = [...this.integers].sort();
    if (!relax && ints.length > 0) {
      out.push('General');
      for (let i = 0; i < ints.length; i += 12) out.push(` ${ints.slice(i, i + 12).join(' ')}`);
    }
    out.push('End');
    return out.join('\n');
  }

  private expr(name: string, terms: ReadonlyMap<string, number>): string {
    const parts: string[] = [];
    for (const [v, c] of terms) {
      if (Math.abs(c) < 1e-12) continue;
      parts.push(`${c < 0 ? '-' : '+'} ${num(Math.abs(c))} ${v}`);
    }
    if (parts.length === 0) {
      // An empty row or objective still needs a term; any variable times zero will do.
      const any = [...this.vars][0];
      if (any !== undefined) parts.push(`+ 0 ${any}`);
    }
    const lines: string[] = [];
    for (let i = 0; i < parts.length; i += 10) lines.push(parts.slice(i, i + 10).join(' '));
    return ` ${name}: ${lines.join('\n   ')}`;
  }
}

export type SolveStatus = 'optimal' | 'time-limit' | 'infeasible' | 'no-solution' | 'error';

export interface SolveResult {
  readonly status: SolveStatus;
  readonly values: ReadonlyMap<string, number>;
  readonly objective: number;
  /** Relative MIP gap at stop (0 when optimal; NaN for an LP). */
  readonly gap: number;
  readonly dualBound: number;
  readonly solveMs: number;
}

interface HighsModelLike {
  options: { set(o: Record<string, unknown>): void };
  info: { get(name: string): unknown };
  run(): void;
  getModelStatus(): number;
  getObjectiveValue(): number;
  getSolution(): { colValue: ArrayLike<number> };
  getColName(i: number): string;
  getColByName(name: string): number;
  setSolution(solution: { indices: Int32Array; values: Float64Array }): unknown;
}

interface HighsLike {
  withModel<R>(source: { format: 'lp'; data: string }, body: (m: HighsModelLike) => R): R;
  constants: { modelStatus: Record<string, number> };
}

let loading: Promise<HighsLike> | undefined;

/** Loads the HiGHS WebAssembly module once per process (about 50 ms). */
export async function loadHighs(): Promise<HighsLike> {
  loading ??= (async () => {
    try {
      const mod = (await import('highs')) as unknown as { default: (o?: unknown) => Promise<unknown> };
      return (await mod.default()) as HighsLike;
    } catch (cause) {
      loading = undefined;
      throw new TesseraError('TESSERA_ERR_PLAN_SOLVER', `cannot load the HiGHS solver (npm package 'highs'): ${cause instanceof Error ? cause.message : String(cause)}; retry with --solver heuristic`, { cause });
    }
  })();
  return loading;
}

export interface SolveOptions {
  readonly timeLimitMs: number;
  readonly relativeGap: number;
  /** Solve the LP relaxation instead. */
  readonly relax?: boolean;
  /** A feasible (or nearly) assignment to start branch-and-bound from: variable name → value. */
  readonly start?: ReadonlyMap<string, number>;
}

export async function solveLp(model: LpModel, opts: SolveOptions): Promise<SolveResult> {
  const highs = await loadHighs();
  const text = model.toLp(opts.relax ?? false);
  const started = performance.now();
  try {
    return highs.withModel({ format: 'lp', data: text }, (m) => {
      m.options.set({ output_flag: false, time_limit: Math.max(0.05, opts.timeLimitMs / 1000), mip_rel_gap: opts.relativeGap, random_seed: 0 });
      if (opts.start !== undefined && opts.start.size > 0 && !opts.relax) {
        const idx: number[] = [];
        const val: number[] = [];
        for (const [name, value] of opts.start) {
          let col = -1;
          try {
            col = m.getColByName(name);
          } catch {
            col = -1;
          }
          if (col >= 0) {
            idx.push(col);
            val.push(value);
          }
        }
        // A start HiGHS rejects (infeasible after presolve) is only a missed shortcut.
        try {
          if (idx.length > 0) m.setSolution({ indices: Int32Array.from(idx), values: Float64Array.from(val) });
        } catch {
          /* ignore */
        }
      }
      m.run();
      const st = m.getModelStatus();
      const S = highs.constants.modelStatus;
      const solveMs = performance.now() - started;
      const primal = Number(m.info.get('primal_solution_status') ?? 0);
      const hasSolution = primal === 2;
      let status: SolveStatus;
      if (st === S['optimal']) status = 'optimal';
      else if (st === S['infeasible']) status = 'infeasible';
      else if (st === S['timeLimit'] || st === S['iterationLimit'] || st === S['interrupt']) status = hasSolution ? 'time-limit' : 'no-solution';
      else status = hasSolution ? 'time-limit' : 'error';
      const values = new Map<string, number>();
      if (hasSolution) {
        const sol = m.getSolution();
        for (let i = 0; i < sol.colValue.length; i++) values.set(m.getColName(i), sol.colValue[i] as number);
      }
      const gapRaw = Number(m.info.get('mip_gap'));
      const gap = opts.relax ? Number.NaN : status === 'optimal' ? Math.max(0, Number.isFinite(gapRaw) ? gapRaw : 0) : Number.isFinite(gapRaw) ? gapRaw : Number.POSITIVE_INFINITY;
      const dual = Number(m.info.get('mip_dual_bound'));
      return { status, values, objective: hasSolution ? m.getObjectiveValue() : Number.NaN, gap, dualBound: Number.isFinite(dual) ? dual : Number.NaN, solveMs };
    });
  } catch (cause) {
    if (cause instanceof TesseraError) throw cause;
    throw new TesseraError('TESSERA_ERR_PLAN_SOLVER', `HiGHS failed: ${cause instanceof Error ? cause.message : String(cause)}; retry with --solver heuristic`, { cause });
  }
}
