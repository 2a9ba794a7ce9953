/**
 * One generation's answer as it goes out: builds its TokenChunks (seq,
 * generation identity, resumes) and keeps what a resumption needs — the text
 * and tokens sent so far and the last chunk — as GenerationProgress. Starts
 * empty, or from the progress an interrupted owner recorded.
 */
import type { AssembledPrompt, TokenChunk } from '../../shared/messages/types.ts';
import type { GenerationProgress } from '../../shared/redis/generation-lease-store.ts';
import { userTurnOf } from './generation-request.ts';

export type FinalFields = Pick<TokenChunk, 'finishReason' | 'usage' | 'timings' | 'error'>;

export class AnswerLog {
  private nextSeq: number;
  private sentText: string;
  private sentTokens: number;
  private resumeCount: number;
  private last: TokenChunk | undefined;

  constructor(
    private readonly input: AssembledPrompt,
    readonly generationId: string,
    from: GenerationProgress | null,
  ) {
    this.nextSeq = from?.nextSeq ?? 0;
    this.sentText = from?.text ?? '';
    this.sentTokens = from?.tokenCount ?? 0;
    this.resumeCount = from?.resumes ?? 0;
    this.last = from?.lastChunk;
  }

  /** Chunks built so far (recorded ones included). */
  get chunkCount(): number {
    return this.nextSeq;
  }

  /** The answer text so far: what a continuation starts from. */
  get text(): string {
    return this.sentText;
  }

  get tokenCount(): number {
    return this.sentTokens;
  }

  get resumes(): number {
    return this.resumeCount;
  }

  /** The generation is being resumed (another owner, or another model call after a broken stream). */
  resumed(): void {
    this.resumeCount += 1;
  }

  /** The next chunk, counted as sent. */
  chunk(text: string, tokenCount: number, final: FinalFields | undefined, attempt: number): TokenChunk {
    const { request } = this.input;
    const seq = this.nextSeq++;
    const chunk: TokenChunk = {
      requestId: request.requestId,
      sessionId: request.sessionId,
      seq,
      text,
      tokenCount,
      final: final !== undefined,
      finishReason: final?.finishReason ?? null,
      usage: final?.usage ?? null,
      timings: final?.timings ?? null,
      attempt,
      error: final?.error ?? null,
      replyTo: request.replyTo,
      requestCreatedAtMs: request.createdAtMs,
      // On the first chunk too: post may end the stream early and drop the model's final chunk.
      userTurn: final !== undefined || seq === 0 ? userTurnOf(this.input) : null,
      generationId: this.generationId,
      resumes: this.resumeCount,
    };
    this.sentText += text;
    this.sentTokens += tokenCount;
    this.last = chunk;
    return chunk;
  }

  /** What to record before the last built chunk is sent (the lease store adds the owner). */
  progress(): Omit<GenerationProgress, 'owner'> {
    if (this.last === undefined) throw new Error('no chunk to record yet');
    return {
      generationId: this.generationId,
      nextSeq: this.nextSeq,
      text: this.sentText,
      tokenCount: this.sentTokens,
      resumes: this.resumeCount,
      lastChunk: this.last,
    };
  }
}
