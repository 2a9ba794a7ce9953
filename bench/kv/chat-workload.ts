/**
 * The multi-turn workload: every session shares one system prompt, opens with
 * a long document of its own plus a question, then asks short follow-ups.
 * Each turn's prompt = the previous prompt + the previous answer + the new
 * user turn, so a follow-up's prefix is exactly what the replica that served
 * the previous turn cached. Text is seeded words: the same run every time.
 */
import type { ModelChatMessage } from '../../shared/model/types.ts';
import { randomSource } from '../../infra/model-sim/sim-text.ts';

const VOCABULARY = (
  'account balance billing invoice refund order shipment delivery tracking address customer support ' +
  'warranty repair device battery screen charger network router signal firmware update password login ' +
  'profile settings subscription plan upgrade downgrade contract payment card bank transfer receipt tax ' +
  'region store pickup return exchange policy window damage package courier schedule appointment ticket'
).split(' ');

export const SYSTEM_PROMPT =
  'You are a careful support assistant for an electronics retailer. Answer from the customer document ' +
  'and the conversation so far. Be brief, be specific, cite the relevant part of the document, and say ' +
  'so plainly when the document does not contain the answer.';

function words(random: () => number, count: number): string {
  return Array.from({ length: count }, () => VOCABULARY[Math.floor(random() * VOCABULARY.length)]!).join(' ');
}

export interface WorkloadShape {
  readonly sessions: number;
  readonly turns: number;
  /** Words of each session's opening document. */
  readonly documentWords: number;
  /** Words of each follow-up question. */
  readonly questionWords: number;
}

export class ChatSession {
  readonly messages: ModelChatMessage[];
  private readonly random: () => number;
  turn = 0;

  constructor(
    readonly id: string,
    readonly index: number,
    private readonly shape: WorkloadShape,
    seed: number,
  ) {
    this.random = randomSource(seed);
    this.messages = [{ role: 'system', content: SYSTEM_PROMPT }];
  }

  get totalTurns(): number {
    return this.shape.turns;
  }

  get done(): boolean {
    return this.turn >= this.shape.turns;
  }

  /** The next user turn appended; returns the conversation to send. */
  nextPrompt(): readonly ModelChatMessage[] {
    const question = words(this.random, this.shape.questionWords);
    const content =
      this.turn === 0
        ? `Here is my document:\n${words(this.random, this.shape.documentWords)}\nQuestion: ${question}?`
        : `${question}?`;
    this.messages.push({ role: 'user', content });
    this.turn += 1;
    return [...this.messages];
  }

  answered(text: string): void {
    this.messages.push({ role: 'assistant', content: text });
  }
}

export function createSessions(runId: string, shape: WorkloadShape): ChatSession[] {
  return Array.from(
    { length: shape.sessions },
    (_, i) => new ChatSession(`${runId}-s${i}`, i, shape, 1_000 + i),
  );
}
