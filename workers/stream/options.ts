/**
 * Options of the stream stage: the `workers.stream` section of the pipeline
 * file. Every default is written next to its field.
 */
import { z } from 'zod';
import { compileOptions } from '../../shared/options/compile-options.ts';

export const streamOptionsSchema = z
  .object({
    /**
     * Coalescing: text is written to the client when this long has passed since the request's last token
     * event (the first token goes out at once). 0 = write every chunk as it comes. Default 20 ms.
     */
    flushIntervalMs: z.number().int().nonnegative().default(20),
    /** …or as soon as this many characters are waiting. Default 64. */
    flushChars: z.number().int().positive().default(64),
    /** Out-of-order chunks held per request waiting for a gap to fill; more ends it with an error. Default 1024. */
    maxPendingChunks: z.number().int().positive().default(1_024),
    /** Requests with live state kept at most (least recently used go first; progress is in Redis). Default 10000. */
    maxRequests: z.number().int().positive().default(10_000),
    /** State of a request idle this long is dropped from memory. Default 600000 ms (10 min). */
    requestIdleTtlMs: z.number().int().positive().default(600_000),
    /** Life of a request's progress entry in Redis. Default 3600000 ms (1 h). */
    progressTtlMs: z.number().int().positive().default(3_600_000),
    history: z
      .object({
        /** Turns kept per session (newest win). Default 50. */
        maxTurns: z.number().int().nonnegative().default(50),
        /** Seconds an idle session's history lives; 0 = forever. Default 86400 (1 day). */
        ttlSeconds: z.number().int().nonnegative().default(86_400),
      })
      .strict()
      .default({ maxTurns: 50, ttlSeconds: 86_400 }),
  })
  .strict();

export type StreamOptions = z.infer<typeof streamOptionsSchema>;

/** Validates `workers.stream` (absent = all defaults) and freezes it. */
export function parseStreamOptions(raw: unknown): Readonly<StreamOptions> {
  return compileOptions(streamOptionsSchema, raw, { path: 'workers.stream', stage: 'stream' });
}
