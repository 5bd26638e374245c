import type { Command } from 'commander';
import { runCommand, printJson, EXIT } from '../output.js';

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('check a fleet spec and print every problem with its path and line')
    .requiredOption('-f, --file <fleet.yaml>', 'fleet spec (YAML or JSON)')
    .option('--json', 'print the result as JSON')
    .action(async (opts: { file: string; json?: boolean }) => {
      await runCommand(opts, async () => {
        const { loadFleetFile } = await import('../../core/index.js');
        const { fleet } = loadFleetFile(opts.file);
        if (opts.json) printJson({ valid: true, fleet });
        else process.stdout.write(`${opts.file}: valid (${fleet.models.length} models, ${fleet.services.length} services, ${fleet.inventory.nodes.length} node kinds)\n`);
        return EXIT.OK;
      });
    });
}
