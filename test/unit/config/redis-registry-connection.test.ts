import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { parsePipelineConfig } from '../../../shared/config/load-pipeline-config.ts';
import { printableRedisUrl } from '../../../shared/redis/redis-connection-check.ts';
import { ioredisSecurityOptions, resolveRedisSecurity } from '../../../shared/redis/redis-security.ts';
import {
  basicAuthorization,
  resolveRegistryCredentials,
} from '../../../shared/serde/registry-auth-schema.ts';
import { configError, tempFile } from '../../helpers/config-test-inputs.ts';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const SECRET = 'hunter2-very-secret';

test('the environment sets every redis field; files are read and the password prints as [redacted]', () => {
  const ca = tempFile('ca.pem', PEM);
  const config = parsePipelineConfig(
    {},
    {
      REDIS_URL: 'redis://cache:6380',
      REDIS_USERNAME: 'kpo',
      REDIS_PASSWORD_FILE: tempFile('pw', `${SECRET}\n`),
      REDIS_TLS_CA_FILE: ca,
      REDIS_TLS_CERT_FILE: ca,
      REDIS_TLS_KEY_FILE: ca,
      REDIS_TLS_SERVERNAME: 'cache.internal',
    },
  );
  const security = resolveRedisSecurity(config.redis, config.endpoints.redisUrl!, {});
  assert.equal(security.username, 'kpo');
  assert.equal(security.password?.reveal(), SECRET);
  assert.deepEqual(security.tls, { ca: PEM, cert: PEM, key: PEM, servername: 'cache.internal' });
  assert.equal(ioredisSecurityOptions(security).password, SECRET);
  for (const printed of [
    JSON.stringify(security),
    inspect(security, { depth: 5 }),
    String(security.password),
  ]) {
    assert.ok(!printed.includes(SECRET), printed);
  }
  assert.equal(
    resolveRedisSecurity(config.redis, 'redis://x:1', { REDIS_PASSWORD: 'from-env' }).password?.reveal(),
    'from-env',
    'REDIS_PASSWORD wins over the file',
  );
});

test('a rediss:// URL or REDIS_TLS=true turns TLS on with the system CAs; no settings mean no AUTH and no TLS', () => {
  const none = parsePipelineConfig({});
  assert.deepEqual(resolveRedisSecurity(none.redis, 'redis://x:1', {}), {});
  assert.deepEqual(resolveRedisSecurity(none.redis, 'rediss://x:1', {}), { tls: {} });
  const byEnv = parsePipelineConfig({}, { REDIS_TLS: 'true' });
  assert.deepEqual(resolveRedisSecurity(byEnv.redis, 'redis://x:1', {}), { tls: {} });
  assert.equal(parsePipelineConfig({ redis: { tls: true } }, { REDIS_TLS: 'false' }).redis.tls, false);
});

test('a password in the file, a certificate without its key, or a CA that is not PEM is refused by field', () => {
  const inFile = configError({ redis: { username: 'u', password: 'p' } });
  assert.match(inFile.message, /redis/);
  const halfTls = configError({ redis: { tls: { certFile: '/c.pem' } } });
  assert.match(halfTls.message, /certFile and keyFile go together/);
  const notPem = parsePipelineConfig({}, { REDIS_TLS_CA_FILE: tempFile('ca.der', 'binary') });
  assert.throws(
    () => resolveRedisSecurity(notPem.redis, 'redis://x:1', {}),
    /redis\.tls\.caFile: .* is not a PEM file/,
  );
  const registryPassword = configError({ schemaRegistry: { username: 'u', password: 'p' } });
  assert.match(registryPassword.message, /schemaRegistry/);
});

test('registry basic auth: a user needs a password from the environment or a file', () => {
  assert.equal(resolveRegistryCredentials(parsePipelineConfig({}).schemaRegistry, {}), undefined);
  const config = parsePipelineConfig({}, { SCHEMA_REGISTRY_USERNAME: 'KEY' });
  assert.throws(
    () => resolveRegistryCredentials(config.schemaRegistry, {}),
    /schemaRegistry: no password\. Fix: set SCHEMA_REGISTRY_PASSWORD, or schemaRegistry\.passwordFile \(SCHEMA_REGISTRY_PASSWORD_FILE\)/,
  );
  const credentials = resolveRegistryCredentials(config.schemaRegistry, { SCHEMA_REGISTRY_PASSWORD: SECRET });
  assert.equal(basicAuthorization(credentials!), `Basic ${Buffer.from(`KEY:${SECRET}`).toString('base64')}`);
  assert.ok(!JSON.stringify(credentials).includes(SECRET));
  const fromFile = parsePipelineConfig(
    {},
    {
      SCHEMA_REGISTRY_USERNAME: 'KEY',
      SCHEMA_REGISTRY_PASSWORD_FILE: tempFile('pw', `${SECRET}\n`),
    },
  );
  assert.equal(resolveRegistryCredentials(fromFile.schemaRegistry, {})?.password.reveal(), SECRET);
});

test('a password inside a Redis URL is printed as "redacted"', () => {
  assert.equal(printableRedisUrl(`redis://kpo:${SECRET}@cache:6379/0`), 'redis://kpo:redacted@cache:6379/0');
  assert.equal(printableRedisUrl('rediss://cache:6380'), 'rediss://cache:6380');
});
