/**
 * SIGTERM/SIGINT handling for a worker process: the first signal starts a
 * graceful stop and exits 0 when it completes (1 if it failed); a second
 * signal exits at once with 1.
 */
export interface ShutdownSignalOptions {
  readonly stop: () => Promise<void>;
  /** Default process.exit. */
  readonly exit?: (code: number) => void;
  readonly onSignal?: (signal: NodeJS.Signals, forced: boolean) => void;
}

/** Installs the handlers; returns a remover. */
export function installShutdownSignals(options: ShutdownSignalOptions): () => void {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let stopping = false;
  const handler = (signal: NodeJS.Signals): void => {
    options.onSignal?.(signal, stopping);
    if (stopping) {
      exit(1);
      return;
    }
    stopping = true;
    options.stop().then(
      () => exit(0),
      () => exit(1),
    );
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
  return () => {
    process.off('SIGTERM', handler);
    process.off('SIGINT', handler);
  };
}
