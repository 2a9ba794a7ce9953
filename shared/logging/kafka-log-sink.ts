/** The Kafka client's own log lines go through the project's pino logger: same format, trace id, redaction. */
import type { Logger } from 'pino';

export type KafkaLogSinkLevel = 'error' | 'warn' | 'info' | 'debug';

export function pinoKafkaLogSink(
  logger: Logger,
): (level: KafkaLogSinkLevel, message: string, fields: Readonly<Record<string, unknown>>) => void {
  const kafkaLogger = logger.child({ component: 'kafka' });
  return (level, message, fields) => kafkaLogger[level](fields, message);
}
