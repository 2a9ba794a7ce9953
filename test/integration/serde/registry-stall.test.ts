/**
 * A schema registry that accepts connections and never answers (defect 12 of issue 14, registry half):
 * starting the codecs and looking up a writer schema end with KPO_REGISTRY (retryable) after the request
 * timeout instead of hanging the worker's start or its attempts. A registration whose write stalls once
 * (a cold registry's first write can take longer than the timeout) is retried like a lookup.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import avro from 'avsc';
import { createMessageCodecs } from '../../../shared/serde/create-message-codecs.ts';
import { frameConfluent } from '../../../shared/serde/confluent-wire-format.ts';
import { SchemaRegistryCatalog } from '../../../shared/serde/schema-registry-catalog.ts';
import { startStalledListener, type StalledListener } from '../../fixtures/net/stalled-listener.ts';
import { startWriteStallingProxy } from '../../fixtures/net/write-stalling-proxy.ts';
import { serviceEndpoints } from '../../helpers/services.ts';
import { rejectsWithKpoError } from '../../unit/serde/assert-kpo-error.ts';

/** Far above the timeouts under test: reaching it means the call hung. */
const HANG_BOUND_MS = 30_000;

let stalled: StalledListener;
let url: string;

before(async () => {
  stalled = await startStalledListener();
  url = `http://127.0.0.1:${stalled.port}/apis/ccompat/v7`;
});
after(() => stalled.close());

/** The promise's outcome, or a rejection saying it was still pending after HANG_BOUND_MS. */
async function unlessItHangs<T>(promise: Promise<T>): Promise<T> {
  const bound = sleep(HANG_BOUND_MS, undefined, { ref: false }).then(() => {
    throw new Error(`still pending after ${HANG_BOUND_MS} ms: the registry call has no timeout`);
  });
  return Promise.race([promise, bound]);
}

test('codecs started against a stalled registry fail with KPO_REGISTRY instead of hanging', async () => {
  const error = await rejectsWithKpoError(
    unlessItHangs(createMessageCodecs({ schemaRegistryUrl: url, registryRequestRetries: 0 })),
    'KPO_REGISTRY',
  );
  assert.equal(error.retryable, true);
  assert.equal(error.context.endpoint, url);
});

test('a writer schema lookup against a stalled registry fails with KPO_REGISTRY within the request timeout', async () => {
  const catalog = new SchemaRegistryCatalog({
    url,
    requestRetries: 1,
    unknownIdTtlMs: 1_000,
    requestTimeoutMs: 500,
  });
  const value = frameConfluent(4242, Buffer.from(avro.Type.forSchema('string').toBuffer('x')));
  const error = await rejectsWithKpoError(unlessItHangs(catalog.unframe(value)), 'KPO_REGISTRY');
  assert.equal(error.retryable, true);
});

test('a registration whose first write stalls is retried and gets its id from the real registry', async (t) => {
  const proxy = await startWriteStallingProxy(serviceEndpoints().schemaRegistryUrl, 1);
  t.after(() => proxy.close());
  const catalog = new SchemaRegistryCatalog({
    url: proxy.url,
    requestRetries: 2,
    unknownIdTtlMs: 1_000,
    requestTimeoutMs: 1_000,
  });
  const schema: avro.Schema = {
    type: 'record',
    name: `Stall${randomUUID().slice(0, 8)}`,
    fields: [{ name: 'x', type: 'string' }],
  };
  const id = await unlessItHangs(
    catalog.idFor(
      `registry-stall-${randomUUID()}`,
      JSON.stringify(schema),
      avro.Type.forSchema(schema),
      true,
    ),
  );
  assert.equal(proxy.writes(), 2);
  assert.ok(Number.isInteger(id) && id > 0, `an id from the registry, got ${id}`);
});
