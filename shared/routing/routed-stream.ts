/**
 * Streams one request through an EndpointPool whose selector is a
 * CacheAwareSelector: hint lookup first (one Redis round trip, bounded),
 * then the pool's call with its retries and fallbacks, then the routing
 * bookkeeping, whatever the outcome. What the inference stage calls.
 */
import type { EndpointPool } from '../model/endpoint-pool.ts';
import type { GenerationEvent, GenerationRequest, GenerationResult } from '../model/types.ts';
import type { CacheAwareSelector, RoutingKey } from './cache-aware-selector.ts';

export async function* streamRouted(
  pool: EndpointPool,
  selector: CacheAwareSelector,
  request: GenerationRequest,
  key: RoutingKey,
  signal: AbortSignal,
): AsyncGenerator<GenerationEvent> {
  const replicas = pool.endpoints.filter((endpoint) => endpoint.serves(request.model)).map((e) => e.name);
  await selector.prepare(request.requestId, key, replicas);
  let result: GenerationResult | undefined;
  try {
    for await (const event of pool.stream(request, signal)) {
      if (event.type === 'done') result = event;
      yield event;
    }
  } finally {
    selector.complete(request.requestId, result === undefined ? {} : { result });
  }
}
