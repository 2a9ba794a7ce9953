/**
 * A request the pipeline ended without an answer (shed, rejected, error,
 * cancelled), as the HTTP error an OpenAI client expects: overload is 429 or
 * 503 with Retry-After, a prompt the pipeline refused is 400, an unknown
 * model 404, anything else a 5xx.
 */
import type { ClientEvent } from '../shared/messages/types.ts';
import { GatewayHttpError } from './openai-error.ts';

/** Seconds a shed or rejected client is told to wait. */
const OVERLOAD_RETRY_AFTER_SECONDS = 1;

export function httpErrorForEvent(event: ClientEvent): GatewayHttpError {
  const code = event.errorCode ?? 'KPO_INTERNAL';
  const message = event.errorMessage ?? `the pipeline ended the request (${event.type})`;
  if (event.type === 'rejected') {
    return new GatewayHttpError(429, message, {
      type: 'rate_limit_error',
      code: 'overloaded',
      retryAfterSeconds: OVERLOAD_RETRY_AFTER_SECONDS,
    });
  }
  if (event.type === 'shed') {
    return new GatewayHttpError(503, message, {
      type: 'service_unavailable',
      code: 'overloaded',
      retryAfterSeconds: OVERLOAD_RETRY_AFTER_SECONDS,
    });
  }
  if (event.type === 'cancelled') {
    return new GatewayHttpError(500, message, { type: 'server_error', code: 'cancelled' });
  }
  switch (code) {
    case 'KPO_MODEL_UNKNOWN':
      return new GatewayHttpError(404, message, {
        type: 'not_found_error',
        param: 'model',
        code: 'model_not_found',
      });
    case 'KPO_PROMPT_EMPTY':
    case 'KPO_VALIDATION':
      return new GatewayHttpError(400, message, {
        type: 'invalid_request_error',
        param: 'messages',
        code: 'invalid_value',
      });
    case 'KPO_PROMPT_TOO_LONG':
      return new GatewayHttpError(400, message, {
        type: 'invalid_request_error',
        param: 'messages',
        code: 'context_length_exceeded',
      });
    case 'KPO_MODEL_RATE_LIMITED':
    case 'KPO_CIRCUIT_OPEN':
    case 'KPO_BULKHEAD_FULL':
    case 'KPO_SHED_EXPIRED':
    case 'KPO_REJECTED_BACKLOG':
      return new GatewayHttpError(503, message, {
        type: 'service_unavailable',
        code: 'overloaded',
        retryAfterSeconds: OVERLOAD_RETRY_AFTER_SECONDS,
      });
    case 'KPO_TIMEOUT':
      return new GatewayHttpError(504, message, { type: 'server_error', code: 'timeout' });
    default:
      return new GatewayHttpError(502, message, { type: 'server_error', code: code.toLowerCase() });
  }
}
