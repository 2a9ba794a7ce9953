/** A HandlerContext that records what a handler emits, for unit tests of stage handlers. */
import type { EmitOptions, HandlerContext, SourceRecord } from '../../../shared/runtime/stage-handler.ts';

export interface RecordedEmit<Out> {
  readonly output: Out;
  readonly options: EmitOptions | undefined;
}

export interface RecordingHandlerContext<Out> extends HandlerContext<Out> {
  readonly emitted: RecordedEmit<Out>[];
  readonly controller: AbortController;
}

export function recordingContext<Out>(
  emitted: RecordedEmit<Out>[] = [],
  overrides: { attempt?: number; source?: Partial<SourceRecord> } = {},
): RecordingHandlerContext<Out> {
  const controller = new AbortController();
  return {
    emitted,
    controller,
    attempt: overrides.attempt ?? 1,
    signal: controller.signal,
    source: {
      topic: 'test.in',
      partition: 0,
      offset: '0',
      timestampMs: Date.now(),
      key: null,
      headers: {},
      ...overrides.source,
    },
    async emit(output: Out, options?: EmitOptions): Promise<void> {
      emitted.push({ output, options });
    },
  };
}
