import { Command } from 'commander';
import { vi } from 'vitest';

export interface CommandRun {
  stdout: string;
  stderr: string;
  /** The exit code the command set (0 when it set none). */
  code: number;
}

/**
 * Runs `tessera <args>` in-process with the commands `register` adds, and returns what it printed
 * and the exit code it set. Tests reset `process.exitCode` and restore the mocks after each test,
 * in case a command throws.
 */
export async function runCommand(register: (program: Command) => void, args: readonly string[]): Promise<CommandRun> {
  let stdout = '';
  let stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  const program = new Command().exitOverride();
  register(program);
  process.exitCode = 0;
  await program.parseAsync(['node', 'tessera', ...args]);
  const code = Number(process.exitCode ?? 0);
  vi.restoreAllMocks();
  return { stdout, stderr, code };
}
