/** Routes kafkajs log lines to a project logger (or nowhere) at a chosen level. */
import kafkajs from 'kafkajs';
import type { logCreator, LogEntry } from 'kafkajs';

export type KafkaLogLevel = 'nothing' | 'error' | 'warn' | 'info' | 'debug';

export interface KafkaLogSink {
  (
    level: Exclude<KafkaLogLevel, 'nothing'>,
    message: string,
    fields: Readonly<Record<string, unknown>>,
  ): void;
}

const LEVELS = { nothing: 0, error: 1, warn: 2, info: 4, debug: 5 } as const;

export function kafkajsLogLevel(level: KafkaLogLevel): kafkajs.logLevel {
  return LEVELS[level];
}

/** Default sink: one JSON line on stderr, no record payloads (kafkajs never logs them). */
export const stderrKafkaLogSink: KafkaLogSink = (level, message, fields) => {
  process.stderr.write(`${JSON.stringify({ level, component: 'kafkajs', msg: message, ...fields })}\n`);
};

export function kafkajsLogCreator(sink: KafkaLogSink): logCreator {
  return () =>
    ({ namespace, level, log }: LogEntry) => {
      const n = Number(level);
      const name = n <= 1 ? 'error' : n === 2 ? 'warn' : n === 4 ? 'info' : 'debug';
      const { message, ...rest } = log;
      sink(name, message, { namespace, ...rest });
    };
}
