/** The simulator's own Prometheus metrics, on a private registry (GET /metrics). */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export class SimMetrics {
  readonly registry = new Registry();
  readonly requests: Counter<'route' | 'outcome'>;
  readonly promptTokens: Counter;
  readonly cachedTokens: Counter;
  readonly generatedTokens: Counter;
  readonly activeSequences: Gauge;
  readonly queuedSequences: Gauge;
  readonly batchSize: Histogram;
  readonly openResponses: Gauge;

  constructor(replicaId: string) {
    this.registry.setDefaultLabels({ replica: replicaId });
    const registers = [this.registry];
    this.requests = new Counter({
      name: 'kpo_sim_requests_total',
      help: 'Generation requests by route and outcome (ok, error, rate_limited, hang, cut, cancelled)',
      labelNames: ['route', 'outcome'],
      registers,
    });
    this.promptTokens = new Counter({
      name: 'kpo_sim_prompt_tokens_total',
      help: 'Prompt tokens seen',
      registers,
    });
    this.cachedTokens = new Counter({
      name: 'kpo_sim_cached_tokens_total',
      help: 'Prompt tokens served from the prefix cache',
      registers,
    });
    this.generatedTokens = new Counter({
      name: 'kpo_sim_generated_tokens_total',
      help: 'Tokens generated',
      registers,
    });
    this.activeSequences = new Gauge({
      name: 'kpo_sim_active_sequences',
      help: 'Sequences decoding',
      registers,
    });
    this.queuedSequences = new Gauge({
      name: 'kpo_sim_queued_sequences',
      help: 'Sequences waiting for a slot',
      registers,
    });
    this.openResponses = new Gauge({
      name: 'kpo_sim_open_responses',
      help: 'HTTP responses not yet finished or closed (hung and streaming calls included)',
      registers,
    });
    this.batchSize = new Histogram({
      name: 'kpo_sim_batch_size',
      help: 'Prompts per generation call',
      buckets: [1, 2, 4, 8, 16, 32, 64],
      registers,
    });
  }
}
