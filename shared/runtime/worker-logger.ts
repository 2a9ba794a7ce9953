/**
 * The logging surface the runtime needs (pino-compatible: fields first, then
 * the message). Never pass record payloads or prompt text as fields.
 */
import { destination } from 'pino';
import { createLogger } from '../logging/create-logger.ts';

export interface WorkerLogger {
  info(fields: Readonly<Record<string, unknown>>, message: string): void;
  warn(fields: Readonly<Record<string, unknown>>, message: string): void;
  error(fields: Readonly<Record<string, unknown>>, message: string): void;
}

/** Default: pino (shared/logging/create-logger.ts) at warn level on stderr, so stdout stays free for ready lines. */
export function defaultWorkerLogger(stage: string): WorkerLogger {
  return createLogger({ stage, level: 'warn', destination: destination(2) });
}
