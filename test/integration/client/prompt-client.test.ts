/**
 * PromptClient failure paths on the real broker and registry: a failed start
 * is retried by the next call, and a prompt that cannot be sent leaves nothing
 * followed; a partition no request maps to any more is read for
 * partitionLingerMs, then not at all.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { testAdmin } from '../../helpers/test-admin.ts';
import { ensureTopics } from '../../../shared/pipeline/ensure-topics.ts';
import { pipelineTopicSpecs } from '../../../shared/pipeline/pipeline-topics.ts';
import { pipelineClient } from '../../helpers/pipeline-client.ts';
import type { PromptClient } from '../../../shared/client/prompt-client.ts';
import { writeTestPipelineConfig } from '../../helpers/test-pipeline-config.ts';
import { waitFor } from '../../helpers/wait-for.ts';

test('a start that failed (no output topic yet) is not cached: the next call starts', async (t) => {
  const { config } = writeTestPipelineConfig({}, 2);
  const client = await pipelineClient(config, 'client-start-retry');
  t.after(() => client.close());
  await assert.rejects(client.start(), /output topic .* does not exist|describe topic failed/);
  const admin = await testAdmin(t);
  await ensureTopics(admin, pipelineTopicSpecs(config));
  await client.start();
  assert.deepEqual(client.following(), { requests: 0, partitions: 0, reading: 0 });
});

/** A client of fresh topics whose one submit the schema refuses (after the partition's end offset was read). */
async function clientAfterRefusedPrompt(
  t: TestContext,
  clientId: string,
  partitionLingerMs: number,
): Promise<PromptClient> {
  const { config } = writeTestPipelineConfig({}, 2);
  const admin = await testAdmin(t);
  await ensureTopics(admin, pipelineTopicSpecs(config));
  const client = await pipelineClient(config, clientId, 60_000, partitionLingerMs);
  t.after(() => client.close());
  await assert.rejects(
    // @ts-expect-error a role the schema does not know: encoding must fail
    client.submit({ sessionId: `s-${clientId}`, messages: [{ role: 'wizard', content: 'hi' }] }),
  );
  return client;
}

test('a prompt that cannot be encoded is refused and leaves no request or partition followed', async (t) => {
  const client = await clientAfterRefusedPrompt(t, 'client-encode-leak', 0);
  assert.deepEqual(client.following(), { requests: 0, partitions: 0, reading: 0 });
});

test('an output partition no open request maps to is still read for partitionLingerMs, then not', async (t) => {
  const client = await clientAfterRefusedPrompt(t, 'client-linger', 500);
  assert.deepEqual(client.following(), { requests: 0, partitions: 0, reading: 1 });
  await waitFor(() => client.following().reading === 0, {
    timeoutMs: 10_000,
    what: 'the lingering partition to be let go',
  });
});
