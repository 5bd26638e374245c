import type { CodeTable } from '../code-table.js';

export const PLAN_CODES = {
  TESSERA_ERR_PLAN_OPTIONS: { httpStatus: 400, summary: 'A planner option (solver, baseline, time limit, gap) is out of range.' },
  TESSERA_ERR_PLAN_CURRENT: { httpStatus: 400, summary: 'The --current plan is not a Plan this version can read.' },
  TESSERA_ERR_PLAN_SOLVER: { httpStatus: 500, summary: 'The MILP solver (HiGHS) failed to load or returned an error.' },
} as const satisfies CodeTable;
