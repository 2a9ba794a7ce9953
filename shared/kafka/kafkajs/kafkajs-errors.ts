/** Maps whatever kafkajs throws onto the project's one error taxonomy. */
import { KpoError, type ErrorContext } from '../../errors/kpo-error.ts';

export function kafkaError(error: unknown, message: string, context: ErrorContext = {}): KpoError {
  if (error instanceof KpoError) return error;
  const retriable =
    typeof error === 'object' && error !== null && 'retriable' in error ? Boolean(error.retriable) : true;
  const detail = error instanceof Error ? error.message : String(error);
  return new KpoError('KPO_KAFKA', `${message}: ${detail}`, { retryable: retriable, cause: error, context });
}
