/**
 * Bad input through the whole pipeline: an empty prompt, a prompt too long
 * for the token budget, an unknown model and a session whose history in Redis
 * is corrupt each end with one error event that says what was wrong, while
 * good requests sent at the same time complete. A client reading its own
 * reply-to topic gets its failure there too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PromptClient } from '../../../shared/client/prompt-client.ts';
import { pipelineClient } from '../../helpers/pipeline-client.ts';
import type { ClientEvent } from '../../../shared/messages/types.ts';
import { createRedisConnection } from '../../../shared/redis/redis-connection.ts';
import { RedisKeyNamespace } from '../../../shared/redis/redis-key-namespace.ts';
import { startLocalPipeline } from '../../../cli/local-pipeline/local-pipeline.ts';
import type { PromptInput } from '../../../shared/client/prompt-client.ts';
import { serviceEndpoints } from '../../helpers/services.ts';
import { uniqueName } from '../../helpers/unique-name.ts';
import { writeTestPipelineConfig } from '../../helpers/test-pipeline-config.ts';
import { testAdmin } from '../../helpers/test-admin.ts';
import { ensureTopics } from '../../../shared/pipeline/ensure-topics.ts';

async function outcome(
  client: PromptClient,
  input: PromptInput,
): Promise<{ events: ClientEvent[]; terminal: ClientEvent }> {
  const submitted = await client.submit(input);
  const events: ClientEvent[] = [];
  for await (const event of submitted.events) events.push(event);
  return { events, terminal: events.at(-1)! };
}

test('each kind of bad input gets one error event naming the problem; good requests are unaffected', async (t) => {
  const { redisUrl } = serviceEndpoints();
  const { env } = writeTestPipelineConfig({ workers: { assemble: { tokenBudget: 1_024 } } });
  const pipeline = await startLocalPipeline({ model: 'sim', workerEnv: env, modelReplicas: 1 });
  t.after(() => pipeline.stop());
  const client = await pipelineClient(pipeline.config, 'bad-input-client');
  t.after(() => client.close());
  // A second client reads only its own reply-to topic: failures must reach it there, not on the output topic.
  const replyTopic = uniqueName('reply');
  const admin = await testAdmin(t);
  await ensureTopics(admin, [{ topic: replyTopic, partitions: pipeline.config.topics.partitions }]);
  const replyClient = await pipelineClient(
    { ...pipeline.config, topics: { ...pipeline.config.topics, output: replyTopic } },
    'bad-input-reply-client',
    30_000,
  );
  t.after(() => replyClient.close());

  const corruptSession = uniqueName('corrupt');
  const redis = createRedisConnection({ url: redisUrl });
  t.after(() => redis.disconnect());
  const historyKey = new RedisKeyNamespace().history(corruptSession);
  await redis.rpush(historyKey, '{"role":"user","content":"fine"}', 'not json at all {');
  await redis.expire(historyKey, 600);

  const user = (content: string) => [{ role: 'user' as const, content }];
  const bad = {
    empty: outcome(client, { sessionId: uniqueName('empty'), messages: user('   ') }),
    tooLong: outcome(client, {
      sessionId: uniqueName('long'),
      messages: user('kafka partition offset '.repeat(2_000)),
    }),
    unknownModel: outcome(client, {
      sessionId: uniqueName('model'),
      messages: user('hello?'),
      model: 'no-such-model',
    }),
    corruptHistory: outcome(client, { sessionId: corruptSession, messages: user('and now?') }),
    emptyViaReplyTo: outcome(replyClient, {
      sessionId: uniqueName('empty-reply'),
      messages: user('   '),
      replyTo: replyTopic,
    }),
    tooLongViaReplyTo: outcome(replyClient, {
      sessionId: uniqueName('long-reply'),
      messages: user('kafka partition offset '.repeat(2_000)),
      replyTo: replyTopic,
    }),
  };
  const good = Array.from({ length: 5 }, (_, i) =>
    outcome(client, {
      sessionId: uniqueName(`good-${i}`),
      messages: user('How does Kafka keep order?'),
      maxTokens: 8,
    }),
  );

  const expectations: Record<keyof typeof bad, [string, RegExp]> = {
    empty: ['KPO_PROMPT_EMPTY', /empty|no user/i],
    tooLong: ['KPO_PROMPT_TOO_LONG', /token/i],
    unknownModel: ['KPO_MODEL_UNKNOWN', /no-such-model/],
    corruptHistory: ['KPO_HISTORY_CORRUPT', /history/i],
    emptyViaReplyTo: ['KPO_PROMPT_EMPTY', /empty|no user/i],
    tooLongViaReplyTo: ['KPO_PROMPT_TOO_LONG', /token/i],
  };
  for (const [kind, promise] of Object.entries(bad) as [
    keyof typeof bad,
    Promise<{ events: ClientEvent[]; terminal: ClientEvent }>,
  ][]) {
    const { events, terminal } = await promise;
    const [code, message] = expectations[kind];
    assert.equal(terminal.type, 'error', `${kind}: ${terminal.type}`);
    assert.equal(terminal.errorCode, code, `${kind}: ${terminal.errorMessage}`);
    assert.match(terminal.errorMessage ?? '', message, kind);
    assert.equal(events.filter((e) => e.type !== 'token').length, 1, `${kind}: one terminal event`);
  }
  for (const result of await Promise.all(good)) {
    assert.equal(
      result.terminal.type,
      'done',
      `${result.terminal.errorCode}: ${result.terminal.errorMessage}`,
    );
  }
});
