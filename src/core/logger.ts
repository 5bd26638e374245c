import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

export interface LoggerOptions {
  level?: LevelWithSilent;
  name?: string;
}

/**
 * Structured JSON logs on stderr, so that stdout stays free for a command's result (tables or
 * `--json`). Level from the option, else TESSERA_LOG_LEVEL, else `info`.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? (process.env['TESSERA_LOG_LEVEL'] as LevelWithSilent | undefined) ?? 'info';
  return pino({ level, name: options.name ?? 'tessera', base: { pid: process.pid } }, pino.destination({ fd: 2, sync: true }));
}

/** A logger that drops everything (tests, library use). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
