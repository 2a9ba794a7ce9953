/**
 * Runs every session of one phase at once, each turn after the previous one
 * ended plus a seeded think time, so sessions' turns interleave. When half of
 * the turns are done, `midRun` (a replica added or removed) runs while the
 * sessions go on; turns sent after it started are marked.
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
  /** Sent after the mid-run change started. */
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
  const total = sessions.reduce((sum, s) => sum + s.questions.length, 0);
  let changeStarted = false;
  let change: Promise<void> | undefined;
  const random = randomSource(42);

  const runSession = async (session: BenchSession, index: number): Promise<void> => {
    // Spread the sessions' first turns over one think time.
    await sleep(random() * settings.meanThinkMs);
    for (const [turn, question] of session.questions.entries()) {
      const afterChange = changeStarted;
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
      if (!changeStarted && settings.midRun !== undefined && records.length >= total / 2) {
        changeStarted = true;
        change = settings.midRun();
      }
      if (!ok) return; // the session's history no longer matches what a client would expect
      await sleep(random() * 2 * settings.meanThinkMs);
    }
  };

  await Promise.all(sessions.map((session, index) => runSession(session, index)));
  await change;
  return records;
}
