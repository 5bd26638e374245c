import path from 'node:path';
import { RuleTester } from 'eslint';
import { afterAll, describe, it } from 'vitest';
import tseslint from 'typescript-eslint';
// @ts-expect-error -- a plain-JS ESLint plugin without type declarations
import { layersRule } from '../scripts/eslint/layers.js';

// RuleTester reads these statics to register its cases with the host test framework.
Object.assign(RuleTester, { afterAll, describe, it });

const tester = new RuleTester({ languageOptions: { parser: tseslint.parser, ecmaVersion: 2023, sourceType: 'module' } });
const file = (p: string): string => path.join(process.cwd(), 'src', p);

tester.run('tessera/layers (the import direction of docs/architecture.md)', layersRule, {
  valid: [
    { filename: file('plan/milp.ts'), code: "import { x } from '../profile/index.js';" },
    { filename: file('plan/milp.ts'), code: "import { x } from '../core/index.js';" },
    { filename: file('policy/triton.ts'), code: "import type { Clock } from '../core/clock.js';" },
    { filename: file('cli/commands/plan.ts'), code: "import { x } from '../../plan/index.js';" },
    { filename: file('serve/http/server.ts'), code: "import { x } from '../../policy/index.js';" },
    { filename: file('sim/engine.ts'), code: "import { x } from './queue.js';" },
    { filename: file('core/units.ts'), code: "import { z } from 'zod';" },
  ],
  invalid: [
    { filename: file('core/units.ts'), code: "import { x } from '../plan/index.js';", errors: [{ messageId: 'forbidden' }] },
    { filename: file('profile/store.ts'), code: "import { x } from '../plan/index.js';", errors: [{ messageId: 'forbidden' }] },
    { filename: file('policy/aimd.ts'), code: "import { x } from '../profile/index.js';", errors: [{ messageId: 'forbidden' }] },
    { filename: file('plan/milp.ts'), code: "export { x } from '../sim/index.js';", errors: [{ messageId: 'forbidden' }] },
    { filename: file('serve/x.ts'), code: "const m = await import('../cli/output.js');", errors: [{ messageId: 'cli' }] },
    { filename: file('hardware/mig.ts'), code: "import '../serve/index.js';", errors: [{ messageId: 'forbidden' }] },
  ],
});
