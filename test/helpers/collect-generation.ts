import { KpoError } from '../../shared/errors/kpo-error.ts';
import type { ModelClient } from '../../shared/model/model-client.ts';
import type { CallOptions, GenerationRequest, GenerationResult } from '../../shared/model/types.ts';

/** Runs generate() to the end and returns the result (chunks are discarded). */
export async function collectGeneration(
  client: ModelClient,
  request: GenerationRequest,
  options?: CallOptions,
): Promise<GenerationResult> {
  for await (const event of client.generate(request, options)) {
    if (event.type === 'done') return event;
  }
  throw new KpoError('KPO_MODEL_STREAM', 'model stream ended without a result', {
    retryable: true,
    context: { endpoint: client.name, requestId: request.requestId },
  });
}
