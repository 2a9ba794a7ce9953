/**
 * The logging surface the runtime needs (pino-compatible: fields first, then
 * the message). Never pass record payloads or prompt text as fields.
 */
export interface WorkerLogger {
  info(fields: Readonly<Record<string, unknown>>, message: string): void;
  warn(fields: Readonly<Record<string, unknown>>, message: string): void;
  error(fields: Readonly<Record<string, unknown>>, message: string): void;
}

/** Default: warnings and errors as JSON lines on stderr; info is dropped. */
export const stderrWorkerLogger: WorkerLogger = {
  info: () => undefined,
  warn: (fields, message) =>
    process.stderr.write(`${JSON.stringify({ level: 'warn', msg: message, ...fields })}\n`),
  error: (fields, message) =>
    process.stderr.write(`${JSON.stringify({ level: 'error', msg: message, ...fields })}\n`),
};
