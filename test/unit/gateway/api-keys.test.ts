import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { ApiKeyTable, hashApiKey } from '../../../gateway/api-keys.ts';
import { authenticate } from '../../../gateway/authenticate.ts';
import { GatewayHttpError } from '../../../gateway/openai-error.ts';

test('plain and sha256-written keys map to their tenants; other keys to none', () => {
  const table = ApiKeyTable.parse(`acme=sk-a, beta=sha256:${hashApiKey('sk-b')}`, 'KPO_GATEWAY_KEYS');
  assert.equal(table.size, 2);
  assert.equal(table.tenantOf('sk-a'), 'acme');
  assert.equal(table.tenantOf('sk-b'), 'beta');
  assert.equal(table.tenantOf('sk-c'), undefined);
  assert.equal(table.tenantOf(`sha256:${hashApiKey('sk-b')}`), undefined, 'the digest itself is no key');
});

test('keys come from the environment and a file together; comments and blank lines are skipped', () => {
  const file = join(mkdtempSync(join(tmpdir(), 'kpo-keys-')), 'keys');
  writeFileSync(file, `# tenants\nbeta=sha256:${hashApiKey('sk-b')}\n\n`);
  const table = ApiKeyTable.fromEnv({ KPO_GATEWAY_KEYS: 'acme=sk-a', KPO_GATEWAY_KEYS_FILE: file });
  assert.equal(table?.tenantOf('sk-a'), 'acme');
  assert.equal(table?.tenantOf('sk-b'), 'beta');
  assert.equal(ApiKeyTable.fromEnv({}), undefined, 'no keys configured: no table');
});

test('a malformed entry names its place and never the key', () => {
  assert.throws(
    () => ApiKeyTable.parse('acme=sk-a,sk-secret-without-tenant', 'keys.txt'),
    (error: Error) => error.message.includes('keys.txt: entry 2') && !error.message.includes('sk-secret'),
  );
  assert.throws(() => ApiKeyTable.parse('bad tenant=sk', 'env'), /entry 1/);
});

test('authenticate: no table lets everyone in as tenant ""; with one, a missing or unknown key is a 401', () => {
  assert.equal(authenticate({}, undefined), '');
  const table = ApiKeyTable.parse('acme=sk-a', 'env');
  assert.equal(authenticate({ authorization: 'Bearer sk-a' }, table), 'acme');
  for (const [headers, code] of [
    [{}, 'missing_api_key'],
    [{ authorization: 'Basic abc' }, 'missing_api_key'],
    [{ authorization: 'Bearer sk-wrong' }, 'invalid_api_key'],
  ] as const) {
    assert.throws(
      () => authenticate(headers, table),
      (error: unknown) =>
        error instanceof GatewayHttpError &&
        error.status === 401 &&
        error.code === code &&
        !error.message.includes('sk-wrong'),
    );
  }
});
