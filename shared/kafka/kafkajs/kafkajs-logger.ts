/**
 * Routes kafkajs log lines to the project's pino logger (same format, trace
 * id, redaction) at a chosen level; kafkajs never logs record payloads.
 */
import kafkajs from 'kafkajs';
import type { logCreator, LogEntry } from 'kafkajs';
import type { Logger } from 'pino';

export type KafkaLogLevel = 'nothing' | 'error' | 'warn' | 'info' | 'debug';

const LEVELS = { nothing: 0, error: 1, warn: 2, info: 4, debug: 5 } as const;

export function kafkajsLogLevel(level: KafkaLogLevel): kafkajs.logLevel {
  return LEVELS[level];
}

export function kafkajsLogCreator(logger: Logger): logCreator {
  const kafkaLogger = logger.child({ component: 'kafka' });
  return () =>
    ({ namespace, level, log }: LogEntry) => {
      const n = Number(level);
      const name = n <= 1 ? 'error' : n === 2 ? 'warn' : n === 4 ? 'info' : 'debug';
      const { message, ...rest } = log;
      kafkaLogger[name]({ namespace, ...rest }, message);
    };
}
