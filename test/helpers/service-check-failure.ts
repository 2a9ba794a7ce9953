/**
 * The error a service check ends with, after checking what every settings error must be: a KpoError of one
 * line that holds the secret nowhere (message or inspected error with its causes). Prints the line and how
 * long the check took, so a slow failure shows in the test output.
 */
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { checkServices, type ServiceNeeds } from '../../cli/service-checks.ts';
import type { PipelineConfig } from '../../shared/config/pipeline-config-schema.ts';
import { KpoError } from '../../shared/errors/kpo-error.ts';

export async function serviceCheckFailure(
  config: PipelineConfig,
  needs: ServiceNeeds,
  secret: string,
): Promise<KpoError> {
  const started = Date.now();
  const error = await checkServices(config, needs, 15_000).then(
    () => assert.fail('the service check passed'),
    (failure: unknown) => failure,
  );
  assert.ok(error instanceof KpoError, String(error));
  console.log(`${error.code} after ${Date.now() - started} ms: ${error.message}`);
  assert.equal(error.message.split('\n').length, 1, 'one line');
  assert.ok(!error.message.includes(secret), 'the secret is not in the message');
  assert.ok(!inspect(error, { depth: 8 }).includes(secret), 'nor anywhere in the error');
  return error;
}
