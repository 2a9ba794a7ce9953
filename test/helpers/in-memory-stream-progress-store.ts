import type { StreamProgress, StreamProgressStore } from '../../shared/redis/stream-progress-store.ts';

/** StreamProgressStore in process memory, with the Redis one's version fencing: for unit tests of the stream stage. */
export class InMemoryStreamProgressStore implements StreamProgressStore {
  private readonly entries = new Map<string, string>();

  async load(sessionId: string, requestId: string): Promise<StreamProgress | null> {
    const raw = this.entries.get(`${sessionId}\u0000${requestId}`);
    return raw === undefined ? null : (JSON.parse(raw) as StreamProgress);
  }

  async save(sessionId: string, requestId: string, progress: StreamProgress): Promise<boolean> {
    const key = `${sessionId}\u0000${requestId}`;
    const raw = this.entries.get(key);
    const stored = raw === undefined ? 0 : (JSON.parse(raw) as StreamProgress).version;
    if (stored !== progress.version - 1) return false;
    this.entries.set(key, JSON.stringify(progress));
    return true;
  }
}
