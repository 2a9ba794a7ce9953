/** Maps whatever the librdkafka binding throws or reports onto the project's one error taxonomy. */
import { KpoError, type ErrorContext } from '../../errors/kpo-error.ts';

export function confluentKafkaError(error: unknown, message: string, context: ErrorContext = {}): KpoError {
  if (error instanceof KpoError) return error;
  const retryable =
    typeof error === 'object' && error !== null && 'isRetriable' in error ? Boolean(error.isRetriable) : true;
  const detail = error instanceof Error ? error.message : String(error);
  return new KpoError('KPO_KAFKA', `${message}: ${detail}`, { retryable, cause: error, context });
}

/** Wraps a node-style callback API into a promise that rejects with a KpoError. */
export function rdCall(
  message: string,
  context: ErrorContext,
  start: (done: (error: Error | null) => void) => unknown,
): Promise<void> {
  return new Promise((resolve, reject) => {
    try {
      start((error) => (error ? reject(confluentKafkaError(error, message, context)) : resolve()));
    } catch (error) {
      reject(confluentKafkaError(error, message, context));
    }
  });
}
