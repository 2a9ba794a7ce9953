/**
 * Runs every session of one phase at once, each turn after the previous one
 * ended plus a seeded think time, so sessions' turns interleave. With
 * `midRun` (a replica added or removed), every session stops after its first
 * half of turns, the change runs (a worker takes over: tens of seconds on a
 * busy machine), then the sessions go on: the turns of the second half are
 * the ones after the change.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { randomSource } from '../../infra/model-sim/sim-text.ts';
import type { BenchSession } from './chat-sessions.ts';
import type { TurnClient } from './turn-client.ts';

export interface TurnRecord {
  readonly requestId: string;
  readonly session: number;
  readonly turn: number;
  readonly ok: boolean;
  readonly errorCode: string | null;
  readonly promptTokens: number;
  readonly cachedTokens: number;
  readonly completionTokens: number;
  readonly ttftMs: number | null;
  /** Model call → first token, as the inference stage measured it (filled in after the run). */
  modelTtftMs?: number;
  /** Sent after the mid-run change (a turn of the second half). */
  readonly afterChange: boolean;
}

export interface SessionRunSettings {
  readonly maxTokens: number;
  readonly meanThinkMs: number;
  readonly turnTimeoutMs: number;
  readonly midRun?: () => Promise<void>;
}

export async function runSessions(
  client: TurnClient,
  sessions: readonly BenchSession[],
  settings: SessionRunSettings,
): Promise<TurnRecord[]> {
  const records: TurnRecord[] = [];
  const random = randomSource(42);
  const lastTurnBefore = Math.floor((sessions[0]?.questions.length ?? 0) / 2) - 1;
  let waiting = 0;
  let releaseBarrier: () => void = () => undefined;
  const barrier = new Promise<void>((resolve) => (releaseBarrier = resolve));
  let change: Promise<void> = Promise.resolve();
  /** A session reached the middle (or ended early); the last one to arrive runs the change. */
  const arrive = (): Promise<void> => {
    waiting += 1;
    if (waiting === sessions.length) {
      change = (settings.midRun?.() ?? Promise.resolve()).finally(releaseBarrier);
    }
    return barrier;
  };

  const runSession = async (session: BenchSession, index: number): Promise<void> => {
    // Spread the sessions' first turns over one think time.
    await sleep(random() * settings.meanThinkMs);
    let arrived = false;
    for (const [turn, question] of session.questions.entries()) {
      const afterChange = settings.midRun !== undefined && turn > lastTurnBefore;
      const outcome = await client.turn(session.id, question, {
        maxTokens: settings.maxTokens,
        timeoutMs: settings.turnTimeoutMs,
      });
      const ok = outcome.terminal === 'done' && outcome.usage !== null;
      records.push({
        requestId: outcome.requestId,
        session: index,
        turn,
        ok,
        errorCode: outcome.errorCode,
        promptTokens: outcome.usage?.promptTokens ?? 0,
        cachedTokens: outcome.usage?.cachedTokens ?? 0,
        completionTokens: outcome.usage?.completionTokens ?? 0,
        ttftMs: outcome.ttftMs,
        afterChange,
      });
      if (!ok) break; // the session's history no longer matches what a client would expect
      if (settings.midRun !== undefined && turn === lastTurnBefore) {
        arrived = true;
        await arrive();
      }
      await sleep(random() * 2 * settings.meanThinkMs);
    }
    if (settings.midRun !== undefined && !arrived) await arrive();
  };

  await Promise.all(sessions.map((session, index) => runSession(session, index)));
  await change;
  return records;
}
