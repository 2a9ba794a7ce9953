/**
 * The whole local stack in secured mode (`stack up --secure`: CA, certificates and one password made fresh by
 * the stack): a record encoded through the registry with basic auth travels over SASL_SSL, and Redis answers
 * over TLS (and mutual TLS) as the stack's ACL user. Wrong settings end the service check at once with one
 * line naming the setting: a wrong or missing registry or Redis password, plaintext to Redis' TLS port, TLS
 * to its plain port, an unknown CA. No password shows in a printed setting or an error.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { after, before, test } from 'node:test';
import { checkServices } from '../../../cli/service-checks.ts';
import { stackDown, stackUp } from '../../../infra/stack/local-stack.ts';
import { parsePipelineConfig } from '../../../shared/config/load-pipeline-config.ts';
import type { PipelineConfig } from '../../../shared/config/pipeline-config-schema.ts';
import type { StackEndpoints } from '../../../shared/config/stack-endpoints.ts';
import { KpoError } from '../../../shared/errors/kpo-error.ts';
import { createKafkaClient } from '../../../shared/kafka/create-kafka-client.ts';
import { resolveKafkaSecurity } from '../../../shared/kafka/kafka-security.ts';
import { createRedisConnection } from '../../../shared/redis/redis-connection.ts';
import { resolveRedisSecurity } from '../../../shared/redis/redis-security.ts';
import { createMessageCodecs } from '../../../shared/serde/create-message-codecs.ts';
import { resolveRegistryCredentials } from '../../../shared/serde/registry-auth-schema.ts';
import { secureStackEnv } from '../../helpers/secure-stack-env.ts';
import { serviceCheckFailure } from '../../helpers/service-check-failure.ts';
import { readTopic } from '../../helpers/read-topic.ts';
import { uniqueName } from '../../helpers/unique-name.ts';
import { sampleMessages } from '../../unit/serde/sample-messages.ts';

let stackEnv: NodeJS.ProcessEnv;
let endpoints: StackEndpoints;
let password: string;
let wrongPasswordFile: string;

before(async () => {
  stackEnv = await secureStackEnv();
  endpoints = (await stackUp(() => undefined, { env: stackEnv, secure: true })).endpoints;
  password = readFileSync(endpoints.secure!.passwordFile, 'utf8');
  wrongPasswordFile = join(mkdtempSync(join(tmpdir(), 'kpo-wrong-')), 'password');
  writeFileSync(wrongPasswordFile, `${password}-wrong`);
});
after(() => stackDown(() => undefined, stackEnv));

/** The pipeline file of a user of the secured stack, with `changes` over its sections. */
function securedConfig(
  changes: { redisUrl?: string; redis?: object; schemaRegistry?: object } = {},
): PipelineConfig {
  const s = endpoints.secure!;
  const user = { username: s.username, passwordFile: s.passwordFile };
  return parsePipelineConfig(
    {
      endpoints: {
        kafkaBrokers: [s.saslSslBroker],
        schemaRegistryUrl: endpoints.schemaRegistryUrl,
        redisUrl: changes.redisUrl ?? s.redisTlsUrl,
      },
      kafka: { tls: { caFile: s.caFile }, sasl: { mechanism: 'scram-sha-512', ...user } },
      redis: changes.redis ?? { ...user, tls: { caFile: s.caFile } },
      schemaRegistry: changes.schemaRegistry ?? user,
    },
    {},
  );
}

test('right credentials: a record encoded through the registry goes over SASL_SSL and back; Redis answers over TLS and mutual TLS', async () => {
  const config = securedConfig();
  await checkServices(config, { kafka: true, registry: true, redis: true }, 15_000);

  const codecs = await createMessageCodecs({
    schemaRegistryUrl: config.endpoints.schemaRegistryUrl!,
    registryCredentials: resolveRegistryCredentials(config.schemaRegistry, {}),
  });
  assert.equal(codecs.mode, 'registry');
  const kafka = createKafkaClient({
    brokers: config.endpoints.kafkaBrokers!,
    logLevel: 'nothing',
    security: resolveKafkaSecurity(config.kafka, {}),
  });
  const admin = kafka.createAdmin();
  const producer = kafka.createProducer();
  const topic = uniqueName('secured-registry');
  const request = sampleMessages().promptRequest;
  try {
    await admin.connect();
    await admin.createTopics([{ topic, partitions: 1 }]);
    await producer.connect();
    const value = await codecs.promptRequest.encode(request);
    assert.equal(value[0], 0, 'Confluent wire format: the registry gave the schema id');
    await producer.send([{ topic, key: request.sessionId, value }]);
    const [read] = await readTopic(kafka, topic, codecs.promptRequest, { expected: 1, timeoutMs: 30_000 });
    assert.deepEqual(read, request);
  } finally {
    await producer.close().catch(() => undefined);
    await admin.deleteTopics([topic]).catch(() => undefined);
    await admin.close().catch(() => undefined);
  }

  const s = endpoints.secure!;
  const mutual = securedConfig({
    redis: {
      username: s.username,
      passwordFile: s.passwordFile,
      tls: {
        caFile: s.caFile,
        certFile: s.clientCertFile,
        keyFile: s.clientKeyFile,
        servername: 'localhost',
      },
    },
  });
  for (const pipeline of [config, mutual]) {
    const url = pipeline.endpoints.redisUrl!;
    const redis = createRedisConnection({ url, security: resolveRedisSecurity(pipeline.redis, url, {}) });
    try {
      const key = uniqueName('secured');
      assert.equal(await redis.set(key, 'over TLS', 'EX', 60), 'OK');
      assert.equal(await redis.get(key), 'over TLS');
      assert.equal(await redis.call('ACL', 'WHOAMI'), s.username);
    } finally {
      redis.disconnect();
    }
  }
});

/** The service check's error (one line, no password in it), the Kafka check left out. */
function checkError(
  config: PipelineConfig,
  needs: { registry?: boolean; redis?: boolean },
): Promise<KpoError> {
  return serviceCheckFailure(config, { kafka: false, ...needs }, password);
}

test('a wrong or missing registry password ends the check with one KPO_REGISTRY_AUTH line; encoding fails the same way', async () => {
  const s = endpoints.secure!;
  const wrong = securedConfig({ schemaRegistry: { username: s.username, passwordFile: wrongPasswordFile } });
  const refused = await checkError(wrong, { registry: true });
  assert.equal(refused.code, 'KPO_REGISTRY_AUTH');
  assert.match(refused.message, /refused the credentials of user kpo \(HTTP 401\).*SCHEMA_REGISTRY_PASSWORD/);
  const missing = await checkError(securedConfig({ schemaRegistry: {} }), { registry: true });
  assert.match(missing.message, /requires authentication \(HTTP 401\)\. Fix: set SCHEMA_REGISTRY_USERNAME/);

  const encoding = await createMessageCodecs({
    schemaRegistryUrl: endpoints.schemaRegistryUrl,
    registryCredentials: resolveRegistryCredentials(wrong.schemaRegistry, {}),
  }).then(
    () => assert.fail('codecs were made with a wrong password'),
    (failure: unknown) => failure,
  );
  assert.ok(encoding instanceof KpoError && encoding.code === 'KPO_REGISTRY_AUTH', String(encoding));
  assert.equal(encoding.retryable, false);
});

test('a wrong or missing Redis password ends the check with one KPO_REDIS_AUTH line; a client stops reconnecting', async () => {
  const s = endpoints.secure!;
  const wrong = securedConfig({
    redis: { username: s.username, passwordFile: wrongPasswordFile, tls: { caFile: s.caFile } },
  });
  const refused = await checkError(wrong, { redis: true });
  assert.equal(refused.code, 'KPO_REDIS_AUTH');
  assert.match(
    refused.message,
    /refused the password of user kpo\. Fix: check REDIS_USERNAME and REDIS_PASSWORD/,
  );
  const missing = await checkError(securedConfig({ redisUrl: endpoints.redisUrl, redis: {} }), {
    redis: true,
  });
  assert.equal(missing.code, 'KPO_REDIS_AUTH');
  assert.match(missing.message, /requires a password\. Fix: set REDIS_PASSWORD/);

  // The long-lived client: its first connect fails and it does not reconnect forever.
  const url = wrong.endpoints.redisUrl!;
  const redis = createRedisConnection({
    url,
    security: resolveRedisSecurity(wrong.redis, url, {}),
    onError: () => undefined,
  });
  await assert.rejects(redis.connect());
  const ended = await Promise.race([
    new Promise<boolean>((resolve) =>
      redis.status === 'end' ? resolve(true) : redis.once('end', () => resolve(true)),
    ),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 5_000).unref()),
  ]);
  redis.disconnect();
  assert.equal(ended, true, 'the client gave up instead of reconnecting');
});

test('plaintext to the Redis TLS port, TLS to its plain port, or an unknown CA end the check with one line', async () => {
  const s = endpoints.secure!;
  const user = { username: s.username, passwordFile: s.passwordFile };
  const tlsPort = s.redisTlsUrl.replace('rediss://', 'redis://');
  const plaintext = await checkError(securedConfig({ redisUrl: tlsPort, redis: user }), { redis: true });
  assert.equal(plaintext.code, 'KPO_REDIS_AUTH');
  assert.match(
    plaintext.message,
    /listens with TLS on this port, and the connection was plain\. Fix: set REDIS_TLS=true/,
  );
  const tlsToPlain = await checkError(
    securedConfig({ redisUrl: endpoints.redisUrl, redis: { ...user, tls: { caFile: s.caFile } } }),
    { redis: true },
  );
  assert.equal(tlsToPlain.code, 'KPO_REDIS_AUTH');
  assert.match(tlsToPlain.message, /speaks plain Redis on this port, not TLS/);
  const unknownCa = await checkError(securedConfig({ redis: { ...user, tls: true } }), { redis: true });
  assert.equal(unknownCa.code, 'KPO_REDIS_AUTH');
  assert.match(unknownCa.message, /REDIS_TLS_CA_FILE/);
});

test('up again on the running secured stack, with or without --secure, refuses with one line and keeps its password', async () => {
  for (const secure of [true, false]) {
    await assert.rejects(
      stackUp(() => undefined, { env: stackEnv, secure }),
      (error: unknown) => {
        assert.ok(error instanceof KpoError && error.code === 'KPO_STACK_START', String(error));
        assert.match(error.message, /the stack already runs: .*Fix: `npm run stack -- down` first$/);
        return true;
      },
    );
  }
  assert.equal(readFileSync(endpoints.secure!.passwordFile, 'utf8'), password);
  await checkServices(securedConfig(), { kafka: false, registry: true, redis: true }, 15_000);
});

test('the Redis and registry passwords print as [redacted] in resolved settings', () => {
  const config = securedConfig();
  const settings = {
    redis: resolveRedisSecurity(config.redis, config.endpoints.redisUrl!, {}),
    registry: resolveRegistryCredentials(config.schemaRegistry, {}),
  };
  assert.equal(settings.redis.password?.reveal(), password);
  assert.equal(settings.registry?.password.reveal(), password);
  for (const printed of [
    JSON.stringify(settings),
    inspect(settings, { depth: 8 }),
    String(settings.redis.password),
  ]) {
    assert.ok(!printed.includes(password), printed);
    assert.match(printed, /\[redacted\]/);
  }
});
