/**
 * Server-sent events on a raw HTTP response, with backpressure: a write
 * waits for 'drain' when the socket buffer is full, and every write after the
 * client went away is a no-op.
 */
import { once } from 'node:events';
import type { ServerResponse } from 'node:http';

export class SseWriter {
  constructor(private readonly response: ServerResponse) {}

  get open(): boolean {
    return !this.response.destroyed && !this.response.writableEnded;
  }

  start(headers: Readonly<Record<string, string>>): void {
    this.response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      ...headers,
    });
    this.response.flushHeaders();
  }

  /** Writes one `data:` event. */
  async data(payload: string): Promise<void> {
    if (!this.open) return;
    if (this.response.write(`data: ${payload}\n\n`)) return;
    await Promise.race([once(this.response, 'drain'), once(this.response, 'close')]);
  }

  end(): void {
    if (this.open) this.response.end();
  }
}
