import type { Command } from 'commander';
import { runCommand, printJson } from '../output.js';

export function registerSchema(program: Command): void {
  program
    .command('schema')
    .description('print the fleet spec as JSON Schema (for editor completion)')
    .action(async () => {
      await runCommand({ json: true }, async () => {
        const { fleetJsonSchema } = await import('../../core/index.js');
        printJson(fleetJsonSchema());
      });
    });
}
