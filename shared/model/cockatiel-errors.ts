/** Maps cockatiel's own errors (open circuit, full bulkhead, cancelled wait) into the project taxonomy. */
import {
  BrokenCircuitError,
  BulkheadRejectedError,
  IsolatedCircuitError,
  TaskCancelledError,
} from 'cockatiel';
import { KpoError } from '../errors/kpo-error.ts';

export function fromPolicyError(error: unknown, endpoint: string | undefined): KpoError {
  const context = endpoint === undefined ? {} : { endpoint };
  if (error instanceof BrokenCircuitError || error instanceof IsolatedCircuitError) {
    return new KpoError('KPO_CIRCUIT_OPEN', 'the endpoint circuit is open', {
      retryable: true,
      cause: error,
      context,
    });
  }
  if (error instanceof BulkheadRejectedError) {
    return new KpoError('KPO_BULKHEAD_FULL', 'the endpoint has no free call slot', {
      retryable: true,
      cause: error,
      context,
    });
  }
  if (error instanceof TaskCancelledError) {
    return new KpoError('KPO_CANCELLED', 'the model call was cancelled', { cause: error, context });
  }
  if (error instanceof KpoError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new KpoError('KPO_MODEL_STREAM', message, { retryable: true, cause: error, context });
}

/** Failures that say something about the endpoint's health (they count for its breaker). */
export function isEndpointFault(error: unknown): boolean {
  if (!(error instanceof KpoError)) return true;
  if (error.code === 'KPO_CANCELLED' || error.code === 'KPO_SHED_EXPIRED') return false;
  return error.retryable;
}
