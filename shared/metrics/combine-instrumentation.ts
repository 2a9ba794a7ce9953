/**
 * Merges several WorkerInstrumentation objects (metrics, tracing, a test
 * probe…) into the one the StageWorker takes. Each hook calls every part in
 * order; a part that throws does not stop the others. aroundHandler wrappers
 * nest (the first part outermost) and their outgoing headers merge, so tracing
 * can inject traceparent while another part adds its own headers.
 */
import type { SourceRecord } from '../runtime/stage-handler.ts';
import type { WorkerInstrumentation } from '../runtime/worker-instrumentation.ts';

type Around = NonNullable<WorkerInstrumentation['aroundHandler']>;
type Hooks = Omit<WorkerInstrumentation, 'aroundHandler'>;
type HookName = keyof Hooks;

const HOOK_NAMES: readonly HookName[] = [
  'onFetched',
  'onHandlerStart',
  'onHandlerEnd',
  'onRetry',
  'onDeadLettered',
  'onShed',
  'onRejected',
  'onPaused',
  'onResumed',
  'onCommitted',
  'onOutput',
  'onLag',
  'onStateChange',
];

function fanOut(
  parts: readonly WorkerInstrumentation[],
  name: HookName,
): ((...args: unknown[]) => void) | undefined {
  const calls = parts.flatMap((part) => {
    const hooks = part as Readonly<Record<HookName, ((this: void, ...args: unknown[]) => void) | undefined>>;
    const hook = hooks[name];
    return hook ? [(...args: unknown[]) => Reflect.apply(hook, part, args) as void] : [];
  });
  if (calls.length === 0) return undefined;
  return (...args: unknown[]) => {
    for (const call of calls) {
      try {
        call(...args);
      } catch {
        // a hook must not break the worker or the other hooks
      }
    }
  };
}

function nestAround(arounds: readonly Around[]): Around | undefined {
  if (arounds.length === 0) return undefined;
  return <T>(source: SourceRecord, run: (outgoingHeaders: () => Record<string, string>) => Promise<T>) => {
    const step = (index: number, outer: readonly (() => Record<string, string>)[]): Promise<T> => {
      const around = arounds[index];
      if (!around) {
        return run(() => {
          const merged: Record<string, string> = {};
          for (const headers of outer) Object.assign(merged, headers());
          return merged;
        });
      }
      return around(source, (headers) => step(index + 1, [...outer, headers]));
    };
    return step(0, []);
  };
}

export function combineInstrumentation(...parts: readonly WorkerInstrumentation[]): WorkerInstrumentation {
  const combined: Record<string, unknown> = {};
  for (const name of HOOK_NAMES) {
    const hook = fanOut(parts, name);
    if (hook) combined[name] = hook;
  }
  const around = nestAround(
    parts.flatMap((part): Around[] =>
      part.aroundHandler
        ? [(source, run) => (part.aroundHandler ? part.aroundHandler(source, run) : run(() => ({})))]
        : [],
    ),
  );
  if (around) combined.aroundHandler = around;
  return combined;
}
