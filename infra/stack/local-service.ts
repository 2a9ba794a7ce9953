/** One service of the local stack: how to start it and how to tell it answers. */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Prerequisites } from './prerequisites.ts';
import type { ServiceName, StackLayout } from './stack-layout.ts';
import { serviceDidNotStart } from './stack-error.ts';

export interface LocalService {
  readonly name: ServiceName;
  readonly port: number;
  /** The address clients use, e.g. 127.0.0.1:19092 or http://… */
  readonly endpoint: string;
  /** Version string for status output. */
  readonly version: string;
  /** Prepares data/config and spawns the process (detached); returns its pid. */
  start(prerequisites: Prerequisites): Promise<number>;
  /** Resolves true when the service answers real requests. Never hangs: bounded by timeoutMs. */
  probe(timeoutMs: number): Promise<boolean>;
}

export type ServiceFactory = (layout: StackLayout) => LocalService;

/** Polls probe() until it answers, the process dies, or timeoutMs passes. */
export async function waitUntilReady(
  service: LocalService,
  layout: StackLayout,
  isRunning: () => boolean,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isRunning())
      throw serviceDidNotStart(service.name, 'the process exited', layout.logFile(service.name));
    if (await service.probe(1_000)) return;
    await sleep(200);
  }
  throw serviceDidNotStart(service.name, `no answer within ${timeoutMs} ms`, layout.logFile(service.name));
}
