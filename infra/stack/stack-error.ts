import { KpoError } from '../../shared/errors/kpo-error.ts';

/** A stack failure is one line for a person: what is wrong and how to fix it. */
export function prerequisiteMissing(what: string, fix: string): KpoError {
  return new KpoError('KPO_STACK_PREREQUISITE', `${what}. Fix: ${fix}`);
}

export function serviceDidNotStart(service: string, why: string, logFile: string): KpoError {
  return new KpoError('KPO_STACK_START', `${service} did not come up: ${why} (log: ${logFile})`, {
    context: { endpoint: service },
  });
}
