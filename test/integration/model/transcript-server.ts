/**
 * Serves recorded SSE transcripts (test/fixtures/sse/) over real HTTP in
 * awkward pieces: 1 to 7 bytes per write with a pause between, so events,
 * lines and multi-byte UTF-8 characters are split across network chunks.
 * Any POST path answers with the transcript registered for it.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

const FIXTURES = new URL('../../fixtures/sse/', import.meta.url);

export interface TranscriptRoute {
  readonly fixture?: string;
  readonly status?: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
}

export interface TranscriptServer {
  readonly url: string;
  /** Write sizes used, for a test to prove the transcript went out in pieces. */
  readonly writes: number[];
  close(): Promise<void>;
}

export function loadFixture(name: string): Buffer {
  return readFileSync(new URL(name, FIXTURES));
}

export async function startTranscriptServer(
  routes: Readonly<Record<string, TranscriptRoute>>,
): Promise<TranscriptServer> {
  const writes: number[] = [];
  const server: Server = createServer((request, response) => {
    request.resume();
    const route = routes[request.url ?? ''];
    if (route === undefined) {
      response.writeHead(404).end();
      return;
    }
    if (route.fixture === undefined) {
      response.writeHead(route.status ?? 200, { 'content-type': 'application/json', ...route.headers });
      response.end(route.body ?? '');
      return;
    }
    const bytes = loadFixture(route.fixture);
    response.writeHead(route.status ?? 200, { 'content-type': 'text/event-stream', ...route.headers });
    response.flushHeaders();
    void (async () => {
      let size = 1;
      for (let at = 0; at < bytes.length; at += size, size = (size % 7) + 1) {
        if (response.destroyed) return;
        const piece = bytes.subarray(at, at + size);
        writes.push(piece.length);
        response.write(piece);
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      response.end();
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    writes,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
