/**
 * The local stack in secured mode (`stack up --secure`: a fresh CA, broker and client certificates and a SASL
 * password, made by the stack) against both Kafka clients: SCRAM-SHA-512 and PLAIN over TLS and mutual TLS
 * carry records; wrong settings (password, client certificate, plaintext to a TLS port) end the service check
 * at once with one KPO_KAFKA_AUTH line naming the setting; the password shows in no log line or error.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { after, before, test } from 'node:test';
import { stackDown, stackUp } from '../../../infra/stack/local-stack.ts';
import { parsePipelineConfig } from '../../../shared/config/load-pipeline-config.ts';
import type { SecureStackEndpoints } from '../../../shared/config/stack-endpoints.ts';
import { KpoError } from '../../../shared/errors/kpo-error.ts';
import { createLogger } from '../../../shared/logging/create-logger.ts';
import { createKafkaClient } from '../../../shared/kafka/create-kafka-client.ts';
import type { KafkaConnectionConfig } from '../../../shared/kafka/kafka-connection-schema.ts';
import { resolveKafkaSecurity } from '../../../shared/kafka/kafka-security.ts';
import { secureStackEnv } from '../../helpers/secure-stack-env.ts';
import { serviceCheckFailure } from '../../helpers/service-check-failure.ts';
import { uniqueName } from '../../helpers/unique-name.ts';

let stackEnv: NodeJS.ProcessEnv;
let secure: SecureStackEndpoints;
let password: string;

before(async () => {
  stackEnv = await secureStackEnv();
  const up = await stackUp(() => undefined, { env: stackEnv, secure: true, only: ['kafka'] });
  secure = up.endpoints.secure!;
  password = readFileSync(secure.passwordFile, 'utf8');
});
after(() => stackDown(() => undefined, stackEnv));

type Connection = Pick<KafkaConnectionConfig, 'tls' | 'sasl'>;

function modes(): Record<string, { broker: string; connection: Connection }> {
  const sasl = (mechanism: 'plain' | 'scram-sha-512') => ({
    broker: secure.saslSslBroker,
    connection: {
      tls: { caFile: secure.caFile },
      sasl: { mechanism, username: secure.username, passwordFile: secure.passwordFile },
    },
  });
  return {
    'SCRAM-SHA-512 over TLS': sasl('scram-sha-512'),
    'PLAIN over TLS': sasl('plain'),
    'mutual TLS': {
      broker: secure.mtlsBroker,
      connection: {
        tls: { caFile: secure.caFile, certFile: secure.clientCertFile, keyFile: secure.clientKeyFile },
      },
    },
  };
}

for (const client of ['kafkajs', 'confluent'] as const) {
  test(`${client}: SCRAM-SHA-512 and PLAIN over TLS, and mutual TLS, create a topic and write to it`, async () => {
    for (const [mode, { broker, connection }] of Object.entries(modes())) {
      const kafka = createKafkaClient({
        brokers: [broker],
        client,
        logLevel: 'nothing',
        security: resolveKafkaSecurity(connection, {}),
      });
      const admin = kafka.createAdmin();
      const producer = kafka.createProducer();
      const topic = uniqueName('secured');
      try {
        await admin.connect();
        await admin.createTopics([{ topic, partitions: 1 }]);
        await producer.connect();
        await producer.send([{ topic, key: 'k', value: Buffer.from(mode) }]);
        const [watermarks] = await admin.topicOffsets(topic);
        assert.equal(watermarks?.high, '1', `${client}, ${mode}: one record written`);
      } finally {
        await producer.close().catch(() => undefined);
        await admin.deleteTopics([topic]).catch(() => undefined);
        await admin.close().catch(() => undefined);
      }
    }
  });
}

/** The pipeline file's way: the kafka section, the brokers, and environment overrides. */
async function serviceCheckError(
  broker: string,
  kafka: Record<string, unknown>,
  env: NodeJS.ProcessEnv = {},
): Promise<KpoError> {
  const config = parsePipelineConfig(
    { kafka, endpoints: { kafkaBrokers: [broker], schemaRegistryUrl: 'none', redisUrl: 'redis://unused:1' } },
    env,
  );
  return serviceCheckFailure(config, {}, password);
}

test('a wrong SASL password ends the service check with one KPO_KAFKA_AUTH line naming the user', async () => {
  const passwordFile = join(mkdtempSync(join(tmpdir(), 'kpo-wrong-')), 'password');
  writeFileSync(passwordFile, `${password}-wrong`);
  const error = await serviceCheckError(
    secure.saslSslBroker,
    { tls: { caFile: secure.caFile } },
    {
      KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
      KAFKA_SASL_USERNAME: secure.username,
      KAFKA_SASL_PASSWORD_FILE: passwordFile,
    },
  );
  assert.equal(error.code, 'KPO_KAFKA_AUTH');
  assert.match(error.message, /refused the SASL credentials of user kpo/);
});

test('no client certificate on the mutual-TLS port, or plaintext to a TLS port, ends the check with one line', async () => {
  const noCertificate = await serviceCheckError(secure.mtlsBroker, { tls: { caFile: secure.caFile } });
  assert.equal(noCertificate.code, 'KPO_KAFKA_AUTH');
  assert.match(noCertificate.message, /client certificate/);
  const plaintext = await serviceCheckError(secure.saslSslBroker, {});
  assert.equal(plaintext.code, 'KPO_KAFKA_AUTH');
  assert.match(plaintext.message, /this is a TLS listener/);
  const unknownCa = await serviceCheckError(secure.saslSslBroker, { tls: true });
  assert.equal(unknownCa.code, 'KPO_KAFKA_AUTH');
  assert.match(unknownCa.message, /caFile/);
});

test('the SASL password shows in no kafkajs log line, error, or printed settings', async () => {
  const lines: string[] = [];
  const passwordFile = join(mkdtempSync(join(tmpdir(), 'kpo-wrong-')), 'password');
  writeFileSync(passwordFile, `${password}-wrong`);
  for (const file of [secure.passwordFile, passwordFile]) {
    const security = resolveKafkaSecurity(
      {
        tls: { caFile: secure.caFile },
        sasl: { mechanism: 'scram-sha-512', username: secure.username, passwordFile: file },
      },
      {},
    );
    lines.push(JSON.stringify(security), inspect(security, { depth: 5 }), String(security.sasl?.password));
    const admin = createKafkaClient({
      brokers: [secure.saslSslBroker],
      client: 'kafkajs',
      logLevel: 'debug',
      logger: createLogger({
        stage: 'test',
        level: 'debug',
        destination: { write: (line) => lines.push(line) },
      }),
      security,
    }).createAdmin();
    try {
      await admin.connect();
      await admin.listTopics();
    } catch (error) {
      lines.push(String(error), inspect(error, { depth: 5 }));
    } finally {
      await admin.close().catch(() => undefined);
    }
  }
  assert.ok(lines.length > 10, `debug logging produced lines (${lines.length})`);
  assert.ok(
    lines.some((line) => /authentication failed/i.test(line)),
    'the wrong password was refused',
  );
  const leaks = lines.filter((line) => line.includes(password));
  assert.deepEqual(leaks, [], 'no line holds the password');
});
