/**
 * Runs the whole workload once through one routing policy with bounded
 * concurrency: a runner takes the session that has been ready longest, sends
 * its next turn through the model client, and puts it back ready again after
 * a seeded random think time (uniform 0..2× the mean). All sessions progress
 * side by side, as many users at once do, and the think times keep turns from
 * arriving in a fixed order (which would hand round-robin an accidental
 * session affinity when the session count is a multiple of the replicas).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { encode } from 'gpt-tokenizer/encoding/o200k_base';
import type { GenerationEvent, GenerationRequest } from '../../shared/model/types.ts';
import { flatPrompt } from '../../shared/model/prompt-format.ts';
import { computePrefixBlockHashes } from '../../shared/prefix/prefix-block-hashes.ts';
import type { ChatSession } from './chat-workload.ts';

export interface TurnRecord {
  readonly session: number;
  readonly turn: number;
  readonly endpoint: string;
  readonly promptTokens: number;
  readonly cachedTokens: number;
  /** From the call to the first streamed token, routing included. */
  readonly ttftMs: number;
  readonly failed: boolean;
}

/** How one policy sends a request (request.routing set); `completed` lets a policy change course mid-run (scale-out). */
export type PolicyStream = (
  request: GenerationRequest,
  session: ChatSession,
  progress: { readonly completed: number; readonly total: number },
) => AsyncIterable<GenerationEvent>;

export interface PolicyRunSettings {
  readonly model: string;
  readonly maxTokens: number;
  readonly concurrency: number;
  readonly blockSize: number;
  /** Mean think time between a session's turns, ms. */
  readonly meanThinkMs: number;
}

const NO_SPECIAL_TOKENS = { disallowedSpecial: new Set<string>(), allowedSpecial: new Set<string>() };

export async function runPolicy(
  sessions: readonly ChatSession[],
  stream: PolicyStream,
  settings: PolicyRunSettings,
): Promise<TurnRecord[]> {
  const records: TurnRecord[] = [];
  const ready = sessions.map((session) => ({ session, at: 0 }));
  const random = seededRandom(99);
  const total = sessions.reduce((sum, s) => sum + s.totalTurns, 0);

  async function runTurn(session: ChatSession): Promise<void> {
    const turn = session.turn + 1;
    const messages = session.nextPrompt();
    const requestId = `${session.id}-t${turn}`;
    const base: GenerationRequest = {
      requestId,
      model: settings.model,
      messages,
      params: { maxTokens: settings.maxTokens, temperature: 0, seed: 7 },
    };
    const ids = encode(flatPrompt(base), NO_SPECIAL_TOKENS);
    const request: GenerationRequest = {
      ...base,
      promptTokens: ids.length,
      routing: {
        sessionId: session.id,
        prefixBlockHashes: computePrefixBlockHashes(ids, {
          blockSize: settings.blockSize,
          salt: `o200k_base:${settings.model}`,
        }),
      },
    };
    const started = performance.now();
    let firstAt: number | undefined;
    try {
      for await (const event of stream(request, session, { completed: records.length, total })) {
        if (event.type === 'chunk') {
          firstAt ??= performance.now();
          continue;
        }
        session.answered(event.text);
        records.push({
          session: session.index,
          turn,
          endpoint: event.endpoint,
          promptTokens: event.usage.promptTokens,
          cachedTokens: event.usage.cachedTokens,
          ttftMs: (firstAt ?? performance.now()) - started,
          failed: false,
        });
        return;
      }
      throw new Error('stream ended without a result');
    } catch {
      session.answered('');
      records.push({
        session: session.index,
        turn,
        endpoint: '',
        promptTokens: 0,
        cachedTokens: 0,
        ttftMs: 0,
        failed: true,
      });
    }
  }

  function takeEarliest(): { session: ChatSession; at: number } | undefined {
    let best = 0;
    for (let i = 1; i < ready.length; i++) if (ready[i]!.at < ready[best]!.at) best = i;
    return ready.splice(best, 1)[0];
  }

  async function runner(): Promise<void> {
    for (let next = takeEarliest(); next !== undefined; next = takeEarliest()) {
      const wait = next.at - performance.now();
      if (wait > 0) await sleep(wait);
      await runTurn(next.session);
      if (!next.session.done) {
        ready.push({ session: next.session, at: performance.now() + random() * 2 * settings.meanThinkMs });
      }
    }
  }

  await Promise.all(Array.from({ length: settings.concurrency }, () => runner()));
  return records;
}

function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1_664_525 + 1_013_904_223) >>> 0;
    return state / 4_294_967_296;
  };
}
