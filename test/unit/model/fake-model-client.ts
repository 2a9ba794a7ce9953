/** An in-memory ModelClient for unit tests of batching and routing: records every call, answers at once. */
import { KpoError } from '../../../shared/errors/kpo-error.ts';
import type { ModelClient } from '../../../shared/model/model-client.ts';
import type {
  CallOptions,
  GenerationEvent,
  GenerationRequest,
  GenerationResult,
  ModelCapabilities,
} from '../../../shared/model/types.ts';

export interface RecordedCall {
  readonly kind: 'single' | 'batch';
  readonly requestIds: readonly string[];
  readonly tick: number;
}

let tick = 0;
/** Advances on every macrotask so a test can tell calls started together from calls started later. */
function currentTick(): number {
  return tick;
}
setInterval(() => tick++, 1).unref();

export function resultFor(name: string, request: GenerationRequest): GenerationResult {
  return {
    type: 'done',
    text: `answer to ${request.requestId}`,
    finishReason: 'stop',
    usage: { promptTokens: request.promptTokens ?? 0, completionTokens: 3, cachedTokens: 0 },
    timings: { ttftMs: 0, perTokenMs: 0 },
    endpoint: name,
  };
}

export class FakeModelClient implements ModelClient {
  readonly calls: RecordedCall[] = [];
  readonly capabilities: ModelCapabilities;
  /** Calls still to fail, with `failWith` (default a retryable KPO_MODEL_HTTP). */
  failNext = 0;
  failWith: KpoError | undefined;
  /** A batch call takes this long (abortable). */
  batchDelayMs = 0;
  abortedBatches = 0;

  constructor(
    readonly name: string,
    batching: boolean,
  ) {
    this.capabilities = { batching, slots: false, prefixCache: false };
  }

  private maybeFail(): void {
    if (this.failNext > 0) {
      this.failNext--;
      throw (
        this.failWith ??
        new KpoError('KPO_MODEL_HTTP', 'fake failure', {
          retryable: true,
          context: { endpoint: this.name },
        })
      );
    }
  }

  async *generate(request: GenerationRequest, _options?: CallOptions): AsyncGenerator<GenerationEvent> {
    this.calls.push({ kind: 'single', requestIds: [request.requestId], tick: currentTick() });
    this.maybeFail();
    const result = resultFor(this.name, request);
    yield { type: 'chunk', text: result.text, tokenCount: 3 };
    yield result;
  }

  async generateBatch(
    requests: readonly GenerationRequest[],
    options?: CallOptions,
  ): Promise<GenerationResult[]> {
    this.calls.push({ kind: 'batch', requestIds: requests.map((r) => r.requestId), tick: currentTick() });
    this.maybeFail();
    if (this.batchDelayMs > 0) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, this.batchDelayMs);
        options?.signal?.addEventListener('abort', () => {
          clearTimeout(timer);
          this.abortedBatches++;
          reject(new KpoError('KPO_CANCELLED', 'batch call aborted'));
        });
      });
    }
    return requests.map((request) => resultFor(this.name, request));
  }
}
