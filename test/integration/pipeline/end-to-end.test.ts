/**
 * The whole pipeline on real services, as separate worker processes: 100
 * sessions × 3 turns end with exactly one done each, tokens in order without
 * repeats, later turns seeing earlier ones; two replicas of every stage give
 * the same answers and share the work; SIGKILL of a worker of each stage
 * mid-run loses no request and shows no client a token twice.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { PromptClient } from '../../../shared/client/prompt-client.ts';
import { createKafkaClient } from '../../../shared/kafka/create-kafka-client.ts';
import { createMessageCodecs } from '../../../shared/serde/create-message-codecs.ts';
import { STAGE_NAMES } from '../../../shared/config/pipeline-config-schema.ts';
import { RedisConversationHistoryStore } from '../../../shared/redis/redis-conversation-history-store.ts';
import { RedisKeyNamespace } from '../../../shared/redis/redis-key-namespace.ts';
import { createRedisConnection } from '../../../shared/redis/redis-connection.ts';
import { startLocalPipeline, type LocalPipeline } from '../../../cli/local-pipeline/local-pipeline.ts';
import { serviceEndpoints } from '../../helpers/services.ts';
import { writeTestPipelineConfig } from '../../helpers/test-pipeline-config.ts';
import { runConversations, TURNS, type TurnResult } from '../../helpers/pipeline-conversations.ts';
import { readTopic } from '../../helpers/read-topic.ts';
import { pipelineClient } from '../../helpers/pipeline-client.ts';

const SESSIONS = 100;

function clientFor(pipeline: LocalPipeline): Promise<PromptClient> {
  return pipelineClient(pipeline.config, 'e2e-client');
}

function assertCleanStream(result: TurnResult): void {
  const where = `${result.sessionId} turn ${result.turn}`;
  assert.equal(
    result.terminal.type,
    'done',
    `${where}: ${result.terminal.errorCode} ${result.terminal.errorMessage}`,
  );
  assert.deepEqual(
    result.events.map((e) => e.seq),
    result.events.map((_, i) => i),
    `${where}: event seqs contiguous from 0, no repeats`,
  );
  assert.equal(
    result.events.filter((e) => e.type !== 'token').length,
    1,
    `${where}: exactly one terminal event`,
  );
  assert.ok(result.text.length > 0, `${where}: some tokens`);
}

/** Answer text per (conversation, turn): the model is deterministic in the prompt, so equal runs give equal text. */
function answers(results: readonly TurnResult[]): Map<string, string> {
  return new Map(results.map((r) => [`${r.conversation}/${r.turn}`, r.text]));
}

describe('the pipeline end to end', { concurrency: false }, () => {
  let baseline: Map<string, string> = new Map();

  test(`${SESSIONS} sessions × ${TURNS.length} turns through five worker processes`, async (t) => {
    const { env } = writeTestPipelineConfig();
    const pipeline = await startLocalPipeline({ model: 'sim', workerEnv: env, modelReplicas: 2 });
    t.after(() => pipeline.stop());
    const client = await clientFor(pipeline);
    t.after(() => client.close());

    const results = await runConversations(client, {
      sessions: SESSIONS,
      sessionPrefix: `e2e-${Date.now()}`,
    });
    baseline = answers(results);
    assert.equal(results.length, SESSIONS * TURNS.length);
    results.forEach(assertCleanStream);
    assert.equal(new Set(results.map((r) => r.requestId)).size, results.length, 'one request ID per turn');

    // Later turns see earlier ones: the prompt the assemble stage built for turn n holds turns 0..n-1.
    const { kafkaBrokers, schemaRegistryUrl, redisUrl } = serviceEndpoints();
    const codecs = await createMessageCodecs({ schemaRegistryUrl });
    const kafka = createKafkaClient({ brokers: kafkaBrokers, clientId: 'e2e-reader' });
    const assembled = await readTopic(kafka, pipeline.config.topics.assembled, codecs.assembledPrompt, {
      expected: results.length,
      timeoutMs: 30_000,
    });
    const promptOf = new Map(
      assembled.map((a) => [a.request.requestId, a.messages.map((m) => m.content).join('\n')]),
    );
    for (const result of results.filter((r) => r.turn > 0)) {
      const prompt = promptOf.get(result.requestId) ?? '';
      for (const earlier of results.filter(
        (r) => r.conversation === result.conversation && r.turn < result.turn,
      )) {
        const where = `${result.sessionId} turn ${result.turn} sees turn ${earlier.turn}`;
        assert.ok(
          prompt.includes(`${TURNS[earlier.turn]} (conversation ${earlier.conversation})`),
          `${where}: question`,
        );
        assert.ok(prompt.includes(earlier.text.trim()), `${where}: answer`);
      }
    }
    // And Redis holds every exchange, in order.
    const redis = createRedisConnection({ url: redisUrl });
    t.after(() => redis.disconnect());
    const history = new RedisConversationHistoryStore(redis, new RedisKeyNamespace());
    for (const sessionId of new Set(results.map((r) => r.sessionId))) {
      const turns = await history.load(sessionId);
      assert.deepEqual(
        turns.map((turn) => turn.role),
        ['user', 'assistant', 'user', 'assistant', 'user', 'assistant'],
        `history of ${sessionId}`,
      );
    }
  });

  describe('with two replicas of every stage', { concurrency: false }, () => {
    let pipeline: LocalPipeline;
    let client: PromptClient;
    const sessions = 30;

    before(async () => {
      const { env } = writeTestPipelineConfig();
      pipeline = await startLocalPipeline({
        model: 'sim',
        workerEnv: env,
        modelReplicas: 2,
        replicas: Object.fromEntries(STAGE_NAMES.map((s) => [s, 2])),
      });
      client = await clientFor(pipeline);
    });
    after(async () => {
      await client.close();
      await pipeline.stop();
    });

    test('same answers as one replica, and every replica did part of the work', async () => {
      const results = await runConversations(client, { sessions, sessionPrefix: `e2e2-${Date.now()}` });
      results.forEach(assertCleanStream);
      assert.ok(baseline.size > 0, 'the one-replica run produced a baseline');
      for (const [key, text] of answers(results)) assert.equal(text, baseline.get(key), `answer ${key}`);

      for (const worker of pipeline.workers) {
        const metrics = await (await fetch(`http://127.0.0.1:${worker.httpPort}/metrics`)).text();
        const handled = [...metrics.matchAll(/^kpo_task_duration_seconds_count\{[^}]*\} (\d+)/gm)].reduce(
          (sum, m) => sum + Number(m[1]),
          0,
        );
        console.log(`${worker.name}: ${handled} records`);
        assert.ok(handled > 0, `${worker.name} handled no record`);
      }
    });

    test('a SIGKILLed worker of each stage, restarted, loses no request and repeats no token', async () => {
      const running = runConversations(client, { sessions, sessionPrefix: `e2ek-${Date.now()}` });
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      for (const stage of STAGE_NAMES) {
        const victim = pipeline.workers.find((w) => w.stage === stage)!;
        process.kill(victim.pid, 'SIGKILL');
        pipeline.workers.splice(pipeline.workers.indexOf(victim), 1);
      }
      await Promise.all(STAGE_NAMES.map((stage) => pipeline.startWorker(stage)));
      const results = await running;

      let interrupted = 0;
      for (const result of results) {
        const where = `${result.sessionId} turn ${result.turn}`;
        const expected = baseline.get(`${result.conversation}/${result.turn}`) ?? '';
        assert.equal(
          result.events.filter((e) => e.type !== 'token').length,
          1,
          `${where}: one terminal event`,
        );
        const seqs = result.events.map((e) => e.seq);
        assert.equal(new Set(seqs).size, seqs.length, `${where}: no event twice`);
        if (result.terminal.type === 'done') {
          assert.equal(result.text, expected, `${where}: text equals the crash-free run`);
        } else {
          // A generation whose worker died after tokens went out ends with an error, never a second stream.
          assert.equal(result.terminal.type, 'error', `${where}: ${result.terminal.type}`);
          assert.equal(
            result.terminal.errorCode,
            'KPO_MODEL_STREAM',
            `${where}: ${result.terminal.errorMessage}`,
          );
          assert.ok(expected.startsWith(result.text), `${where}: what arrived is a prefix of the answer`);
          interrupted += 1;
        }
      }
      const done = results.filter((r) => r.terminal.type === 'done').length;
      console.log(
        `after SIGKILL of one worker per stage: ${done} done, ${interrupted} interrupted mid-stream (error event), ` +
          `${sessions * TURNS.length - results.length} later turns not sent`,
      );
      assert.ok(done > interrupted, 'most requests completed');
    });
  });
});
