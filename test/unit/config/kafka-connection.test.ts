import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { parse } from 'yaml';
import { parsePipelineConfig } from '../../../shared/config/load-pipeline-config.ts';
import { resolveKafkaSecurity } from '../../../shared/kafka/kafka-security.ts';
import { configError, tempFile } from '../../helpers/config-test-inputs.ts';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

test("the README's Confluent Cloud, MSK, Aiven, registry and Redis examples are valid pipeline files", () => {
  const readme = readFileSync('README.md', 'utf8');
  const section = readme.slice(
    readme.indexOf('## Connecting to your cluster'),
    readme.indexOf('## The local stack'),
  );
  const examples = [...section.matchAll(/```yaml\n([\s\S]*?)```/g)].map(
    (match) => parse(match[1]!) as unknown,
  );
  assert.equal(examples.length, 5);
  const configs = examples.map((raw) => parsePipelineConfig(raw));
  const mechanisms = configs.slice(0, 3).map((config) => config.kafka.sasl?.mechanism ?? 'mutual TLS');
  assert.deepEqual(mechanisms, ['plain', 'scram-sha-512', 'mutual TLS']);
  assert.equal(configs[3]?.schemaRegistry.username, 'REGISTRYAPIKEY01');
  assert.deepEqual(configs[4]?.redis, { username: 'kpo', tls: { caFile: '/etc/kpo/redis-ca.pem' } });
});

test('the SASL password comes from the environment or a file, and prints as [redacted]', () => {
  const secret = 'hunter2-very-secret';
  const config = parsePipelineConfig({ kafka: { tls: true, sasl: { mechanism: 'plain', username: 'key' } } });
  const security = resolveKafkaSecurity(config.kafka, { KAFKA_SASL_PASSWORD: secret });
  assert.equal(security.sasl?.password.reveal(), secret);
  for (const printed of [
    JSON.stringify(security),
    inspect(security, { depth: 5 }),
    String(security.sasl?.password),
  ]) {
    assert.ok(!printed.includes(secret), printed);
  }
  const fromFile = parsePipelineConfig({
    kafka: {
      sasl: { mechanism: 'scram-sha-512', username: 'u', passwordFile: tempFile('pw', `${secret}\n`) },
    },
  });
  assert.equal(resolveKafkaSecurity(fromFile.kafka, {}).sasl?.password.reveal(), secret);
  const missing = parsePipelineConfig({ kafka: { sasl: { mechanism: 'plain', username: 'u' } } });
  assert.throws(
    () => resolveKafkaSecurity(missing.kafka, {}),
    /kafka\.sasl: no password\. Fix: set KAFKA_SASL_PASSWORD/,
  );
});

test('a password in the pipeline file, or a certificate without its key, is refused by field', () => {
  const inFile = configError({ kafka: { sasl: { mechanism: 'plain', username: 'u', password: 'p' } } });
  assert.match(inFile.message, /kafka\.sasl/);
  assert.ok(!inFile.message.includes(': got p'), inFile.message);
  const halfTls = configError({ kafka: { tls: { certFile: '/c.pem' } } });
  assert.match(halfTls.message, /certFile and keyFile go together/);
  const badMechanism = configError({}, { KAFKA_SASL_MECHANISM: 'GSSAPI', KAFKA_SASL_USERNAME: 'u' });
  assert.match(badMechanism.message, /kafka\.sasl\.mechanism/);
});

test('the environment sets every kafka field, and files that are not PEM fail naming the field', () => {
  const ca = tempFile('ca.pem', PEM);
  const config = parsePipelineConfig(
    {},
    {
      KAFKA_SSL_CA_FILE: ca,
      KAFKA_SSL_CERT_FILE: ca,
      KAFKA_SSL_KEY_FILE: ca,
      KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
      KAFKA_SASL_USERNAME: 'kpo',
    },
  );
  assert.deepEqual(config.kafka.tls, { caFile: ca, certFile: ca, keyFile: ca });
  assert.deepEqual(config.kafka.sasl, { mechanism: 'scram-sha-512', username: 'kpo' });
  assert.equal(resolveKafkaSecurity(config.kafka, { KAFKA_SASL_PASSWORD: 'x' }).tls?.ca, PEM);
  assert.equal(parsePipelineConfig({}, { KAFKA_SSL: 'true' }).kafka.tls, true);
  const notPem = parsePipelineConfig({ kafka: { tls: { caFile: tempFile('ca.txt', 'hello') } } });
  assert.throws(() => resolveKafkaSecurity(notPem.kafka, {}), /kafka\.tls\.caFile: .* is not a PEM file/);
});
