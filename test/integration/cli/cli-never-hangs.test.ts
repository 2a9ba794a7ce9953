/**
 * Every kpo command ends, with one clear line and a non-zero exit, when what it
 * needs is not there: pipeline topics missing, the broker down or not
 * answering, the registry or Redis accepting connections and never answering.
 * Each command runs as a child process, as a person would run it, with a
 * timeout far above the commands' own bounds (15 s per service check) that only
 * a hang reaches.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../../shared/config/stack-endpoints.ts';
import { createKafkaClient } from '../../../shared/kafka/create-kafka-client.ts';
import { pipelineTopicSpecs } from '../../../shared/pipeline/pipeline-topics.ts';
import { startStalledListener, type StalledListener } from '../../fixtures/net/stalled-listener.ts';
import { freePort } from '../../helpers/free-port.ts';
import { runTsxScript, type ScriptRun } from '../../helpers/run-tsx-script.ts';
import { serviceEndpoints } from '../../helpers/services.ts';
import { writeTestPipelineConfig } from '../../helpers/test-pipeline-config.ts';

const CLI = join(PROJECT_ROOT, 'cli', 'kpo.ts');
/** Only a hang gets near this; a busy 2-core machine needs ~10 s just to start tsx. */
const HANG_MS = 120_000;

type Run = ScriptRun;

function kpo(args: readonly string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return runTsxScript(CLI, args, { ...process.env, ...env }, HANG_MS);
}

/** The failure is one `kpo: KPO_…` line on stderr, matching `what`. */
function assertOneLineFailure(run: Run, what: RegExp, args: readonly string[]): void {
  assert.equal(run.code, 1, `kpo ${args.join(' ')} exit code; stderr: ${run.stderr}`);
  const lines = run.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `kpo ${args.join(' ')}: one line, got:\n${run.stderr}`);
  assert.match(lines[0]!, /^kpo: KPO_[A-Z_]+: /);
  assert.match(lines[0]!, what);
}

const stalled: StalledListener = await startStalledListener();
const closedPort = await freePort();
const missingTopics = writeTestPipelineConfig();
/** Topics that exist, so the registry and Redis cases get past the topic check. */
const withTopics = writeTestPipelineConfig({}, 1);
const admin = createKafkaClient({
  brokers: serviceEndpoints().kafkaBrokers,
  logLevel: 'nothing',
}).createAdmin();

before(async () => {
  await admin.connect();
  await admin.createTopics(pipelineTopicSpecs(withTopics.config));
});
after(async () => {
  await stalled.close();
  await admin.deleteTopics(pipelineTopicSpecs(withTopics.config).map((spec) => spec.topic));
  await admin.close();
});

interface Case {
  readonly args: readonly string[];
  readonly env: () => NodeJS.ProcessEnv;
  readonly what: RegExp;
}

const cases: Record<string, Case[]> = {
  'pipeline topics missing': [
    ['status', '--json'],
    ['produce', 'hello'],
    ['consume'],
    ['chat'],
    ['worker', 'stream'],
  ].map((args) => ({
    args,
    env: () => missingTopics.env,
    what: /KPO_TOPIC_MISSING: topics? .*missing on .*Fix: kpo topics --create$/,
  })),
  'broker down': [['status'], ['topics'], ['worker', 'post']].map((args) => ({
    args,
    env: () => ({ KAFKA_BROKERS: `127.0.0.1:${closedPort}` }),
    what: new RegExp(
      `KPO_KAFKA: Kafka at 127\\.0\\.0\\.1:${closedPort} (is unreachable|did not answer).*Fix: `,
    ),
  })),
  'broker accepts connections but never answers': [
    ['status', '--json'],
    ['topics', '--create'],
  ].map((args) => ({
    args,
    env: () => ({ KAFKA_BROKERS: `127.0.0.1:${stalled.port}` }),
    what: new RegExp(`KPO_KAFKA: Kafka at 127\\.0\\.0\\.1:${stalled.port} (did not answer|is unreachable)`),
  })),
  'registry never answers': [
    ['produce', 'hello'],
    ['worker', 'rag'],
  ].map((args) => ({
    args,
    env: () => ({ ...withTopics.env, SCHEMA_REGISTRY_URL: `http://127.0.0.1:${stalled.port}` }),
    what: /KPO_REGISTRY: schema registry at .* did not answer within 15 s\. Fix: /,
  })),
  'Redis never answers': [['worker', 'assemble'], ['demo']].map((args) => ({
    args,
    env: () => ({ ...withTopics.env, REDIS_URL: `redis://127.0.0.1:${stalled.port}` }),
    what: /KPO_REDIS: Redis at .* did not answer within 15 s\. Fix: /,
  })),
};

for (const [condition, list] of Object.entries(cases)) {
  describe(condition, { concurrency: 4 }, () => {
    for (const c of list) {
      test(`kpo ${c.args.join(' ')} ends with one line and exit 1`, async () => {
        serviceEndpoints(); // the working services come from the test setup
        const run = await kpo(c.args, c.env());
        assertOneLineFailure(run, c.what, c.args);
        console.log(`kpo ${c.args.join(' ')} (${condition}): ${run.ms} ms`);
      });
    }
  });
}

test('kpo topics with the pipeline topics missing lists them and exits 3 (nothing is created)', async () => {
  const run = await kpo(['topics'], missingTopics.env);
  assert.equal(run.code, 3, run.stderr);
  assert.match(
    run.stdout,
    new RegExp(`missing\\s+${missingTopics.config.topics.prompts.replace(/\./g, '\\.')} `),
  );
});
