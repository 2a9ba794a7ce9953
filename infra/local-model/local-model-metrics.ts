/** The local model server's Prometheus metrics, on a private registry (GET /metrics). */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export class LocalModelMetrics {
  readonly registry = new Registry();
  readonly requests: Counter<'route' | 'outcome'>;
  readonly promptTokens: Counter;
  readonly cachedTokens: Counter;
  readonly generatedTokens: Counter;
  readonly busySequences: Gauge;
  readonly waitingRequests: Gauge;
  readonly ttft: Histogram;
  readonly loaded: Gauge;

  constructor(replicaId: string) {
    this.registry.setDefaultLabels({ replica: replicaId });
    const registers = [this.registry];
    this.requests = new Counter({
      name: 'kpo_local_model_requests_total',
      help: 'Generation requests by route and outcome (ok, invalid, queue_full, cancelled, error)',
      labelNames: ['route', 'outcome'],
      registers,
    });
    this.promptTokens = new Counter({
      name: 'kpo_local_model_prompt_tokens_total',
      help: 'Prompt tokens of finished generations',
      registers,
    });
    this.cachedTokens = new Counter({
      name: 'kpo_local_model_cached_tokens_total',
      help: 'Prompt tokens a context sequence already held (not evaluated again)',
      registers,
    });
    this.generatedTokens = new Counter({
      name: 'kpo_local_model_generated_tokens_total',
      help: 'Tokens generated',
      registers,
    });
    this.busySequences = new Gauge({
      name: 'kpo_local_model_busy_sequences',
      help: 'Context sequences generating',
      registers,
    });
    this.waitingRequests = new Gauge({
      name: 'kpo_local_model_waiting_requests',
      help: 'Requests queued for a context sequence',
      registers,
    });
    this.ttft = new Histogram({
      name: 'kpo_local_model_time_to_first_token_seconds',
      help: 'From having a context sequence to the first generated token',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10],
      registers,
    });
    this.loaded = new Gauge({
      name: 'kpo_local_model_loaded',
      help: '1 once the model is loaded and requests are served',
      registers,
    });
  }
}
