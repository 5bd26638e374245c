#!/usr/bin/env node
import { Command } from 'commander';
import { registerCommands } from './commands/index.js';

// Command modules import their heavy dependencies (onnxruntime, HiGHS, fastify) lazily inside
// their actions, so `tessera --help` starts in well under a second.
const program = new Command();
program
  .name('tessera')
  .description('Profile, plan, simulate, serve and adapt ML inference fleets on MIG slices, shared GPUs and CPUs.')
  .version('0.1.0')
  .showHelpAfterError('(run with --help for usage)');
program.configureOutput({ outputError: (str, write) => write(str) });
program.exitOverride((err) => {
  // Commander's usage errors exit 2 (bad input); --help and --version exit 0.
  process.exit(err.exitCode === 0 ? 0 : 2);
});
registerCommands(program);
await program.parseAsync(process.argv);
