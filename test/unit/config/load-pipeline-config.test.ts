import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { loadPipelineConfig, parsePipelineConfig } from '../../../shared/config/load-pipeline-config.ts';
import { KpoError } from '../../../shared/errors/kpo-error.ts';

function writeTemp(name: string, text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'kpo-config-')), name);
  writeFileSync(path, text);
  return path;
}

test('an empty document yields the documented defaults', () => {
  const config = parsePipelineConfig({});
  assert.equal(config.topics.prompts, 'llm.prompts');
  assert.equal(config.topics.partitions, 6);
  assert.equal(config.stages.rag.queueDepth, 512);
  assert.equal(config.stages.stream.queueDepth, 1024);
  assert.equal(config.stages.inference.retry.maxAttempts, 3);
});

test('the committed pipeline.yaml is valid', () => {
  const config = loadPipelineConfig({ path: 'pipeline.yaml', env: {} });
  assert.equal(config.topics.output, 'llm.output');
});

test('a bad value is reported with the field, the value and what was expected', () => {
  const path = writeTemp('bad.yaml', 'stages:\n  rag:\n    concurrency: -3\n');
  assert.throws(
    () => loadPipelineConfig({ path, env: {} }),
    (error: unknown) => {
      assert.ok(error instanceof KpoError);
      assert.equal(error.code, 'KPO_CONFIG_INVALID');
      assert.equal(error.context.field, 'stages.rag.concurrency');
      assert.match(error.message, /stages\.rag\.concurrency: got -3, expected/);
      return true;
    },
  );
});

test('an unknown field is refused by name', () => {
  assert.throws(
    () => parsePipelineConfig({ stages: { rag: { concurency: 4 } } }),
    (error: unknown) => error instanceof KpoError && /concurency/.test(error.message),
  );
});

test('a heartbeat interval not below a third of the session timeout is refused with the reason', () => {
  assert.throws(
    () => parsePipelineConfig({ stages: { post: { sessionTimeoutMs: 6000, heartbeatIntervalMs: 3000 } } }),
    (error: unknown) =>
      error instanceof KpoError &&
      error.context.field === 'stages.post.heartbeatIntervalMs' &&
      /at most a third of sessionTimeoutMs/.test(error.message),
  );
});

test('environment overrides win over the file for endpoints and secrets', () => {
  const path = writeTemp(
    'p.yaml',
    'endpoints:\n  kafkaBrokers: ["file:9092"]\nmodels:\n  - name: a\n    url: http://127.0.0.1:9000\n',
  );
  const config = loadPipelineConfig({
    path,
    env: {
      KAFKA_BROKERS: 'a:1, b:2',
      REDIS_URL: 'redis://x:1',
      SCHEMA_REGISTRY_URL: 'none',
      MODEL_API_KEY: 'sk-test',
    },
  });
  assert.deepEqual(config.endpoints.kafkaBrokers, ['a:1', 'b:2']);
  assert.equal(config.endpoints.redisUrl, 'redis://x:1');
  assert.equal(config.models[0]?.apiKey, 'sk-test');
});

test('TOML pipeline files are accepted', () => {
  const path = writeTemp('p.toml', '[topics]\npartitions = 3\n[stages.inference]\nconcurrency = 8\n');
  const config = loadPipelineConfig({ path, env: {} });
  assert.equal(config.topics.partitions, 3);
  assert.equal(config.stages.inference.concurrency, 8);
});

test('a file that is not YAML fails with a clear error', () => {
  const path = writeTemp('broken.yaml', 'topics: [unclosed\n');
  assert.throws(() => loadPipelineConfig({ path, env: {} }), /not valid YAML/);
});

test('the loaded config is frozen', () => {
  const config = parsePipelineConfig({});
  assert.throws(() => {
    (config.topics as { partitions: number }).partitions = 1;
  });
});

test('MODEL_ENDPOINTS replaces the model list with OpenAI-compatible endpoints', () => {
  const config = parsePipelineConfig({}, { MODEL_ENDPOINTS: 'http://127.0.0.1:8001, http://127.0.0.1:8002' });
  assert.deepEqual(
    config.models.map((m) => [m.name, m.kind, m.url]),
    [
      ['model-0', 'openai', 'http://127.0.0.1:8001'],
      ['model-1', 'openai', 'http://127.0.0.1:8002'],
    ],
  );
  assert.deepEqual(config.models[0]?.models, [], 'any model name without MODEL_NAMES');
  const named = parsePipelineConfig(
    {},
    { MODEL_ENDPOINTS: 'http://127.0.0.1:8001', MODEL_NAMES: 'llama-3-8b, default' },
  );
  assert.deepEqual(named.models[0]?.models, ['llama-3-8b', 'default']);
  assert.equal(named.models[0]?.continuation, undefined, 'no continuation unless MODEL_CONTINUATION says so');
});

test('MODEL_CONTINUATION=true marks the MODEL_ENDPOINTS servers as able to continue a partial answer', () => {
  const config = parsePipelineConfig(
    {},
    { MODEL_ENDPOINTS: 'http://127.0.0.1:8001,http://127.0.0.1:8002', MODEL_CONTINUATION: 'true' },
  );
  assert.deepEqual(
    config.models.map((m) => m.continuation),
    [true, true],
  );
});

test('a misspelt workers section is refused by name', () => {
  assert.throws(
    () => parsePipelineConfig({ workers: { infrence: { flushTokens: 8 } } }),
    (error: unknown) =>
      error instanceof KpoError &&
      error.context.field === 'workers.infrence' &&
      /workers\.infrence: got \{"flushTokens":8\}, expected no such section/.test(error.message),
  );
});

test('the loaded config is frozen all the way down', () => {
  assert.ok(Object.isFrozen(parsePipelineConfig({}).stages.rag.retry));
});
