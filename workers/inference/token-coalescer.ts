/**
 * Gathers generated text into chunks: the first token is written at once
 * (time to first token is what users feel; holding it for the interval cost
 * every request flushIntervalMs), later ones once flushTokens are waiting or
 * flushIntervalMs after the first waiting token, whichever comes first. Writes go out one after another in seq order; `drain()` hands back
 * what is still waiting (for the final chunk) after every write finished.
 */
export interface CoalescedText {
  readonly text: string;
  readonly tokenCount: number;
}

export class TokenCoalescer {
  private text = '';
  private tokens = 0;
  private timer: NodeJS.Timeout | undefined;
  private writes: Promise<void> = Promise.resolve();
  private failure: Error | undefined;
  private written = 0;

  constructor(
    private readonly options: { readonly flushTokens: number; readonly flushIntervalMs: number },
    private readonly write: (chunk: CoalescedText) => Promise<void>,
  ) {}

  /** Chunks written (or being written) so far. */
  get chunksWritten(): number {
    return this.written;
  }

  add(text: string, tokenCount: number): void {
    this.throwIfFailed();
    this.text += text;
    this.tokens += tokenCount;
    if (this.written === 0 || this.tokens >= this.options.flushTokens) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.options.flushIntervalMs);
  }

  /** Waits for every write, then returns (and clears) the text still waiting. */
  async drain(): Promise<CoalescedText> {
    this.stopTimer();
    await this.writes;
    this.throwIfFailed();
    const rest = { text: this.text, tokenCount: this.tokens };
    this.text = '';
    this.tokens = 0;
    return rest;
  }

  /** Stops the timer without writing (the request ended some other way). */
  close(): void {
    this.stopTimer();
  }

  private flush(): void {
    this.stopTimer();
    if (this.text === '' && this.tokens === 0) return;
    const chunk = { text: this.text, tokenCount: this.tokens };
    this.text = '';
    this.tokens = 0;
    this.written++;
    this.writes = this.writes
      .then(() => (this.failure === undefined ? this.write(chunk) : undefined))
      .catch((error: unknown) => {
        this.failure ??= error instanceof Error ? error : new Error(String(error));
      });
  }

  private stopTimer(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }
}
