/**
 * The simulated GPU. Continuous mode: each prompt is a sequence that waits
 * for a slot, has its uncached tokens prefilled in the replica's prefill lane
 * (one prompt after another), pays the fixed part of time to first token,
 * then emits a token every inter-token interval, slowed as more sequences run. Static-batching mode: one call at a time; every decode step
 * of a call with N prompts costs a + b·N and emits one token per prompt.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { PrefillLane } from './prefill-lane.ts';
import { PrefixCache } from './prefix-cache.ts';
import { SequenceGate } from './sequence-gate.ts';
import type { SimMetrics } from './sim-metrics.ts';
import type { SimOptions } from './sim-options.ts';
import { planContinuation, planOutput, tokenizePrompt, type PlannedOutput } from './sim-text.ts';

export interface PromptJob {
  readonly prompt: string;
  readonly maxTokens: number;
  readonly seed: number | null | undefined;
  readonly stop: readonly string[];
  /**
   * What the server's template puts between the prompt and the answer when the answer comes back as history
   * (chat: "assistant:" + " " + answer; raw completions: nothing). Default "". The finished sequence is cached
   * as prompt + this + answer, the way vLLM keeps the generated blocks of a sequence.
   */
  readonly answerSeparator?: string;
  /** A partial answer this call continues (continue_final_message, or a raw prompt that ends in one). */
  readonly continuation?: string;
}

export interface ChoiceOutcome {
  readonly plan: PlannedOutput;
  readonly promptTokens: number;
  readonly cachedTokens: number;
  readonly promptMs: number;
  readonly predictedMs: number;
}

export interface TokenSink {
  /** A token of choice `index`; returns false to stop the call (stream cut). */
  token(index: number, text: string): boolean;
  /** Choice `index` is complete. */
  finished(index: number, outcome: ChoiceOutcome): void;
}

export class SimEngine {
  readonly cache: PrefixCache;
  private readonly gate: SequenceGate;
  private readonly prefill: PrefillLane;

  constructor(
    private readonly options: SimOptions,
    private readonly metrics: SimMetrics,
  ) {
    this.cache = new PrefixCache(options.blockSize, options.cacheCapacityBlocks);
    this.gate = new SequenceGate(options.staticBatching ? 1 : options.maxConcurrentSequences);
    this.prefill = new PrefillLane(options.prefillMsPerToken);
  }

  /** Runs every prompt of one call; resolves when all are finished, rejects on abort. */
  async run(jobs: readonly PromptJob[], sink: TokenSink, signal: AbortSignal): Promise<void> {
    this.metrics.batchSize.observe(jobs.length);
    if (this.options.staticBatching) {
      await this.runStaticBatch(jobs, sink, signal);
      return;
    }
    await Promise.all(jobs.map((job, index) => this.runSequence(job, index, sink, signal)));
  }

  private admit(job: PromptJob): { plan: PlannedOutput; promptTokens: number; cachedTokens: number } {
    const tokens = tokenizePrompt(job.prompt + (job.continuation ?? ''));
    const cachedTokens = this.cache.lookupAndInsert(tokens);
    this.metrics.promptTokens.inc(tokens.length);
    this.metrics.cachedTokens.inc(cachedTokens);
    return {
      plan:
        job.continuation === undefined
          ? planOutput(job.prompt, job.maxTokens, job.seed, job.stop)
          : planContinuation(job.prompt, job.continuation, job.maxTokens, job.seed, job.stop),
      promptTokens: tokens.length,
      cachedTokens,
    };
  }

  private async withSlot(signal: AbortSignal, work: () => Promise<void>): Promise<void> {
    this.metrics.queuedSequences.inc();
    let release: () => void;
    try {
      release = await this.gate.acquire(signal);
    } finally {
      this.metrics.queuedSequences.dec();
    }
    this.metrics.activeSequences.set(this.gate.active);
    try {
      await work();
    } finally {
      release();
      this.metrics.activeSequences.set(this.gate.active);
    }
  }

  private async runSequence(
    job: PromptJob,
    index: number,
    sink: TokenSink,
    signal: AbortSignal,
  ): Promise<void> {
    await this.withSlot(signal, async () => {
      const { plan, promptTokens, cachedTokens } = this.admit(job);
      const { ttftBaseMs, interTokenMs, slowdownPerSequence } = this.options;
      const start = performance.now();
      let next = this.prefill.reserve(promptTokens - cachedTokens) + ttftBaseMs;
      await sleep(Math.max(0, next - performance.now()), undefined, { signal });
      const firstAt = performance.now();
      for (let i = 0; i < plan.tokens.length; i++) {
        if (i > 0) {
          next += interTokenMs * (1 + slowdownPerSequence * Math.max(0, this.gate.active - 1));
          await sleep(Math.max(0, next - performance.now()), undefined, { signal });
        }
        this.metrics.generatedTokens.inc();
        if (!sink.token(index, plan.tokens[i]!)) return;
      }
      const end = performance.now();
      this.cacheAnswer(job, plan);
      sink.finished(index, {
        plan,
        promptTokens,
        cachedTokens,
        promptMs: firstAt - start,
        predictedMs: end - firstAt,
      });
    });
  }

  private async runStaticBatch(
    jobs: readonly PromptJob[],
    sink: TokenSink,
    signal: AbortSignal,
  ): Promise<void> {
    await this.withSlot(signal, async () => {
      const admitted = jobs.map((job) => this.admit(job));
      const steps = Math.max(0, ...admitted.map((a) => a.plan.tokens.length));
      const stepMs = this.options.batchStepBaseMs + this.options.batchStepPerPromptMs * jobs.length;
      const start = performance.now();
      let firstAt = start;
      for (let step = 0; step < steps; step++) {
        await sleep(Math.max(0, start + stepMs * (step + 1) - performance.now()), undefined, { signal });
        if (step === 0) firstAt = performance.now();
        for (const [index, entry] of admitted.entries()) {
          const token = entry.plan.tokens[step];
          if (token === undefined) continue;
          this.metrics.generatedTokens.inc();
          if (!sink.token(index, token)) return;
          if (step === entry.plan.tokens.length - 1) {
            this.cacheAnswer(jobs[index]!, entry.plan);
            this.finish(sink, index, entry, start, firstAt);
          }
        }
      }
      for (const [index, entry] of admitted.entries()) {
        if (entry.plan.tokens.length === 0) this.finish(sink, index, entry, start, firstAt);
      }
    });
  }

  private cacheAnswer(job: PromptJob, plan: PlannedOutput): void {
    this.cache.insert(tokenizePrompt(job.prompt + (job.answerSeparator ?? '') + plan.tokens.join('')));
  }

  private finish(
    sink: TokenSink,
    index: number,
    entry: { plan: PlannedOutput; promptTokens: number; cachedTokens: number },
    start: number,
    firstAt: number,
  ): void {
    sink.finished(index, { ...entry, promptMs: firstAt - start, predictedMs: performance.now() - firstAt });
  }
}
