// Structured JSON logs (pino): one line per event, machine-readable, with the
// level taken from a flag, else $LOG_LEVEL, else "info".
import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

export const LOG_LEVELS: readonly LevelWithSilent[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];
const LOG_LEVEL_ENV = 'LOG_LEVEL';

export function isLogLevel(value: string): value is LevelWithSilent {
  return (LOG_LEVELS as readonly string[]).includes(value);
}

/** The level to use: the flag if given, else $LOG_LEVEL, else info. An unknown value is an error. */
export function resolveLogLevel(flag?: string, env: NodeJS.ProcessEnv = process.env): LevelWithSilent {
  const value = (flag || env[LOG_LEVEL_ENV] || 'info').toLowerCase();
  if (!isLogLevel(value)) throw new Error(`unknown log level "${value}" (one of ${LOG_LEVELS.join(', ')})`);
  return value;
}

export interface LoggerOptions {
  level?: string;
  /** Logged as "name" on every line. */
  name?: string;
  /** Where lines go; stdout by default (tests pass a stream to read them back). */
  destination?: NodeJS.WritableStream;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const options = {
    level: resolveLogLevel(opts.level),
    name: opts.name,
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
  };
  return opts.destination ? pino(options, opts.destination) : pino(options);
}

/** A logger that writes nothing: the default for library functions called without one. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
