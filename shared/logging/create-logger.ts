/**
 * The project's logger: pino, one JSON object per line, with the stage, the
 * active trace id and span id on every line when traces are exported (from
 * @opentelemetry/api's active span, so a log line finds its trace; without
 * export no span is recorded, and the request id identifies the line), and redaction of what must never
 * reach an info-level log (redaction-rules.ts). Satisfies WorkerLogger.
 */
import { isSpanContextValid, trace } from '@opentelemetry/api';
import { destination, pino, type DestinationStream, type Level, type Logger } from 'pino';
import { PROMPT_TEXT_FIELD, REDACTED, REDACT_PATHS } from './redaction-rules.ts';

export interface LoggerOptions {
  readonly stage: string;
  /** Default env LOG_LEVEL, else "info". */
  readonly level?: Level | 'silent';
  /** Where lines go. Default stdout. */
  readonly destination?: DestinationStream;
}

/** Numeric pino level of "info": prompt text is dropped at this level and above. */
const INFO = 30;

export function traceFields(): Record<string, string> {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const spanContext = span.spanContext();
  if (!isSpanContextValid(spanContext)) return {};
  return {
    trace_id: spanContext.traceId,
    span_id: spanContext.spanId,
    trace_flags: `0${spanContext.traceFlags.toString(16)}`.slice(-2),
  };
}

function isLevel(value: string | undefined): value is Level | 'silent' {
  return (
    value !== undefined && ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(value)
  );
}

export function createLogger(options: LoggerOptions): Logger {
  const envLevel = process.env.LOG_LEVEL;
  const level = options.level ?? (isLevel(envLevel) ? envLevel : 'info');
  const config = {
    level,
    base: { stage: options.stage, pid: process.pid },
    messageKey: 'msg',
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
    mixin: traceFields,
    redact: { paths: [...REDACT_PATHS], censor: REDACTED },
    hooks: {
      logMethod(this: Logger, args: Parameters<Logger['info']>, method: Logger['info'], levelNumber: number) {
        const [first, ...rest] = args as unknown[];
        if (
          levelNumber >= INFO &&
          typeof first === 'object' &&
          first !== null &&
          PROMPT_TEXT_FIELD in first
        ) {
          const fields = { ...(first as Record<string, unknown>), [PROMPT_TEXT_FIELD]: REDACTED };
          Reflect.apply(method, this, [fields, ...rest]);
          return;
        }
        Reflect.apply(method, this, args);
      },
    },
  };
  return options.destination ? pino(config, options.destination) : pino(config);
}

/** For processes whose stdout is their output (CLI commands, clients, benches): the same logger, on stderr. */
export function createStderrLogger(stage: string): Logger {
  return createLogger({ stage, destination: destination({ dest: 2, sync: true }) });
}
