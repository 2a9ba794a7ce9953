/**
 * A worker's identity: unique per process across hosts and containers. The pid
 * is not (node often runs as PID 1 in every container), so it is the host name
 * plus a random suffix. Routing load entries and logs use it.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

export function newWorkerId(stage: string): string {
  return `${hostname()}-${stage}-${randomBytes(4).toString('hex')}`;
}
