/**
 * What the raw output topic said about each request of the chaos bench, and
 * the figures judged from it: lost (no terminal), duplicate events (same
 * request and seq seen again), seq gaps, several terminals, splices (a done
 * answer that differs from the crash-free reference), failures by code, and
 * how fast latency recovered after the broker restart.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ClientEvent } from '../../shared/messages/types.ts';

export interface ChaosFigures {
  readonly requests: number;
  readonly done: number;
  readonly resumed: number;
  readonly lost: number;
  readonly duplicate_events: number;
  readonly seq_gaps: number;
  readonly multi_terminal: number;
  readonly splices: number;
  readonly failed: Record<string, number>;
  readonly kills: number;
  /** Restarted workers that exited before they were ready (or were not ready in time) and were started again. */
  readonly failed_worker_starts: number;
  readonly broker_restart_recovery_s: number | null;
  readonly redis_restart_failed: number | null;
  /** Broker mode: seconds from a broker's SIGKILL until requests were back at steady latency. */
  readonly broker_kill_recovery_s?: number | null;
  /** Broker mode: seconds from the killed broker's restart until requests were back at steady latency. */
  readonly broker_rejoin_recovery_s?: number | null;
  /** Broker mode: requests that ended done while the broker was down (the pipeline kept serving). */
  readonly done_while_broker_down?: number;
  /** Broker mode: seconds from the SIGKILL until the restart began. */
  readonly broker_down_s?: number;
  /** Broker mode: seconds the restarted broker took to answer again (null: it did not come back). */
  readonly broker_back_s?: number | null;
}

export interface Window {
  readonly startMs: number;
  readonly endMs: number;
}

interface RequestRecord {
  sentAtMs: number;
  expected: string | undefined;
  readonly events: Map<number, ClientEvent>;
  duplicates: number;
  terminalSeqs: Set<number>;
  endedAtMs: number | undefined;
}

export class OutputLedger {
  garbageSeen = 0;
  /** Where the ledger says how it judged (the bench's log). */
  note: (line: string) => void = () => undefined;
  private readonly requests = new Map<string, RequestRecord>();
  private readonly readOffsets = new Set<string>();

  /** True the first time a raw record (partition, offset) is read: a record read again is not a duplicate event. */
  firstRead(partition: number, offset: string): boolean {
    const key = `${partition}:${offset}`;
    if (this.readOffsets.has(key)) return false;
    this.readOffsets.add(key);
    return true;
  }

  sent(requestId: string, atMs: number): void {
    this.requests.set(requestId, {
      sentAtMs: atMs,
      expected: undefined,
      events: new Map(),
      duplicates: 0,
      terminalSeqs: new Set(),
      endedAtMs: undefined,
    });
  }

  expect(requestId: string, text: string): void {
    const record = this.requests.get(requestId);
    if (record) record.expected = text;
  }

  event(event: ClientEvent, nowMs: number): void {
    const record = this.requests.get(event.requestId);
    if (record === undefined) return;
    if (record.events.has(event.seq)) record.duplicates += 1;
    else record.events.set(event.seq, event);
    if (event.type !== 'token') {
      record.terminalSeqs.add(event.seq);
      record.endedAtMs ??= nowMs;
    }
  }

  async waitForTerminals(requestIds: readonly string[], timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (requestIds.some((id) => this.requests.get(id)?.endedAtMs === undefined)) {
      if (Date.now() > deadline) throw new Error(`requests still open after ${timeoutMs} ms`);
      await sleep(200);
    }
  }

  /** The answer of a request that ended with done, else undefined. */
  doneText(requestId: string): string | undefined {
    const record = this.requests.get(requestId);
    if (record === undefined || this.terminalOf(record)?.type !== 'done') return undefined;
    return this.textOf(record);
  }

  forget(requestIds: readonly string[]): void {
    for (const id of requestIds) this.requests.delete(id);
  }

  figures(
    requestIds: readonly string[],
    chaos: {
      kills: number;
      failedWorkerStarts: number;
      brokerRestart: Window | undefined;
      redisRestart: Window | undefined;
      /** Broker mode: the killed broker's down time and its restart. */
      brokerKill?: { readonly down: Window; readonly rejoin: Window | undefined };
    },
  ): ChaosFigures {
    const records = requestIds.map((id) => this.requests.get(id)!).filter((r) => r !== undefined);
    const failed: Record<string, number> = {};
    let done = 0;
    let resumed = 0;
    let lost = 0;
    let splices = 0;
    let seqGaps = 0;
    let multiTerminal = 0;
    for (const record of records) {
      const terminal = this.terminalOf(record);
      const seqs = [...record.events.keys()].sort((a, b) => a - b);
      if (seqs.some((seq, i) => seq !== i)) seqGaps += 1;
      if (record.terminalSeqs.size > 1) multiTerminal += 1;
      if (terminal === undefined) {
        lost += 1;
        this.note(
          `no end: a request sent at ${new Date(record.sentAtMs).toISOString()} (${record.events.size} events seen)`,
        );
        continue;
      }
      if (terminal.resumes > 0) resumed += 1;
      if (terminal.type === 'done') {
        done += 1;
        if (record.expected !== undefined && this.textOf(record) !== record.expected) splices += 1;
      } else {
        const code = terminal.errorCode ?? terminal.type;
        failed[code] = (failed[code] ?? 0) + 1;
      }
    }
    return {
      requests: records.length,
      done,
      resumed,
      lost,
      duplicate_events: records.reduce((sum, r) => sum + r.duplicates, 0),
      seq_gaps: seqGaps,
      multi_terminal: multiTerminal,
      splices,
      failed,
      kills: chaos.kills,
      failed_worker_starts: chaos.failedWorkerStarts,
      broker_restart_recovery_s: chaos.brokerRestart
        ? this.recoverySeconds(records, 'broker restart', chaos.brokerRestart.startMs)
        : null,
      redis_restart_failed: chaos.redisRestart ? this.failedDuring(records, chaos.redisRestart) : null,
      ...(chaos.brokerKill ? this.brokerKillFigures(records, chaos.brokerKill) : {}),
    };
  }

  private brokerKillFigures(
    records: readonly RequestRecord[],
    kill: { readonly down: Window; readonly rejoin: Window | undefined },
  ): Partial<ChaosFigures> {
    const { down, rejoin } = kill;
    return {
      // Both steps are judged against the latency before the kill; the first only up to the restart.
      broker_kill_recovery_s: this.recoverySeconds(
        records,
        'broker kill',
        down.startMs,
        down.startMs,
        down.endMs,
      ),
      broker_rejoin_recovery_s: rejoin
        ? this.recoverySeconds(records, 'broker rejoin', rejoin.startMs, down.startMs)
        : null,
      done_while_broker_down: records.filter(
        (r) =>
          r.endedAtMs !== undefined &&
          r.endedAtMs >= down.startMs &&
          r.endedAtMs < down.endMs &&
          this.terminalOf(r)?.type === 'done',
      ).length,
      broker_down_s: Math.round((down.endMs - down.startMs) / 100) / 10,
      broker_back_s: rejoin ? Math.round((rejoin.endMs - rejoin.startMs) / 100) / 10 : null,
    };
  }

  private terminalOf(record: RequestRecord): ClientEvent | undefined {
    const first = Math.min(...record.terminalSeqs);
    return Number.isFinite(first) ? record.events.get(first) : undefined;
  }

  private textOf(record: RequestRecord): string {
    return [...record.events.values()]
      .filter((e) => e.type === 'token')
      .sort((a, b) => a.seq - b.seq)
      .map((e) => e.text)
      .join('');
  }

  /**
   * Seconds from `startMs` (a step: the broker restart, kill or rejoin) until requests are back at steady
   * latency: skip the requests that were still served at steady latency after the step, then find the first
   * request that was not; recovery is where the first run of five in a row ending done within twice the median
   * latency before `baselineBeforeMs` begins after it (0 when the step slowed no request). Only requests sent
   * before `untilMs` (the next step) count; null when no run of five recovered in that time.
   */
  private recoverySeconds(
    records: readonly RequestRecord[],
    step: string,
    startMs: number,
    baselineBeforeMs = startMs,
    untilMs = Infinity,
  ): number | null {
    const latency = (r: RequestRecord) => (r.endedAtMs === undefined ? Infinity : r.endedAtMs - r.sentAtMs);
    const before = records
      .filter((r) => r.sentAtMs < baselineBeforeMs && this.terminalOf(r)?.type === 'done')
      .map(latency)
      .sort((a, b) => a - b);
    const median = before[Math.floor(before.length / 2)];
    if (median === undefined) return null;
    const after = records
      .filter((r) => r.sentAtMs >= startMs && r.sentAtMs < untilMs)
      .sort((a, b) => a.sentAtMs - b.sentAtMs);
    const steady = (r: RequestRecord) => this.terminalOf(r)?.type === 'done' && latency(r) <= 2 * median;
    const firstSlow = after.findIndex((r) => !steady(r));
    this.note(
      `${step}: median latency before ${Math.round(median)} ms; of ${after.length} requests sent after it began, ` +
        `${after.filter((r) => !steady(r)).length} were slower than twice that`,
    );
    if (firstSlow === -1) return 0;
    for (let i = firstSlow + 1; i + 5 <= after.length; i++) {
      if (after.slice(i, i + 5).every(steady)) return Math.round((after[i]!.sentAtMs - startMs) / 100) / 10;
    }
    return null;
  }

  /** Requests running while Redis restarted (sent before it came back, still open when it went down) that did not end done. */
  private failedDuring(records: readonly RequestRecord[], restart: Window): number {
    return records.filter(
      (r) =>
        r.sentAtMs <= restart.endMs &&
        (r.endedAtMs === undefined || r.endedAtMs >= restart.startMs) &&
        this.terminalOf(r)?.type !== 'done',
    ).length;
  }
}
