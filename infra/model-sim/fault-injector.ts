/**
 * Rolls the fault dice for each request with a seeded generator, against
 * knobs that can change at runtime (POST /admin/faults).
 */
import { faultOptionsSchema, type FaultOptions } from './sim-options.ts';
import { randomSource } from './sim-text.ts';

export type FaultKind = 'none' | 'error' | 'rate_limited' | 'hang' | 'cut';

export class FaultInjector {
  private random: () => number;

  constructor(
    private faults: FaultOptions,
    seed: number,
  ) {
    this.random = randomSource(seed);
  }

  get current(): FaultOptions {
    return this.faults;
  }

  /** Merges a partial update (validated); returns the new knobs. */
  update(patch: unknown): FaultOptions {
    this.faults = faultOptionsSchema.parse({ ...this.faults, ...(patch as Record<string, unknown>) });
    return this.faults;
  }

  roll(): FaultKind {
    const { errorRate, rateLimitRate, hangRate, cutRate } = this.faults;
    let dice = this.random();
    for (const [kind, rate] of [
      ['error', errorRate],
      ['rate_limited', rateLimitRate],
      ['hang', hangRate],
      ['cut', cutRate],
    ] as const) {
      if (dice < rate) return kind;
      dice -= rate;
    }
    return 'none';
  }
}
