/**
 * Runs a StageWorker as a process's main job: the worker, its HTTP server
 * (/healthz, /readyz; more routes can be added), and signal handling. Exits 0
 * after a graceful stop, 1 if the worker fails.
 */
import { HealthServer } from '../http/health-server.ts';
import { installShutdownSignals } from './shutdown-signals.ts';
import { StageWorker } from './stage-worker.ts';
import type { StageWorkerOptions } from './stage-worker-options.ts';

export interface RunningStageWorker<In, Out> {
  readonly worker: StageWorker<In, Out>;
  readonly http: HealthServer;
  readonly httpPort: number;
}

export async function runStageWorker<In, Out>(
  options: StageWorkerOptions<In, Out>,
  exit: (code: number) => void = (code) => process.exit(code),
): Promise<RunningStageWorker<In, Out>> {
  const worker = new StageWorker(options);
  const http = new HealthServer({
    port: worker.options.settings.httpPort,
    host: worker.options.settings.httpHost,
    probes: {
      live: () => worker.health().live,
      ready: () => worker.health().ready,
      details: () => ({ ...worker.stats() }),
    },
  });
  const httpPort = await http.start();
  const closeAndExit = (code: number): void => {
    void http.close().finally(() => exit(code));
  };
  worker.onStateChange((state) => {
    if (state === 'failed') void worker.stop().finally(() => closeAndExit(1));
  });
  installShutdownSignals({ stop: () => worker.stop(), exit: closeAndExit });
  await worker.start();
  return { worker, http, httpPort };
}
