/**
 * The example custom stage (examples/moderation-stage/) runs end to end from
 * its own pipeline file, between assemble and inference, through real Kafka,
 * the schema registry and Redis: a clean prompt streams its answer, a prompt
 * with a blocked term ends with exactly one error event and never reaches a model.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { parse, stringify } from 'yaml';
import { startLocalPipeline } from '../../../cli/local-pipeline/local-pipeline.ts';
import { PROJECT_ROOT } from '../../../shared/config/stack-endpoints.ts';
import { eventsOf, pipelineClient } from '../../helpers/pipeline-client.ts';
import { uniqueName } from '../../helpers/unique-name.ts';

const EXAMPLE = join(PROJECT_ROOT, 'examples', 'moderation-stage', 'pipeline.yaml');

interface ExampleDocument {
  topics: Record<string, unknown>;
  graph: { name: string; uses?: string; input: string; output: string }[];
  [section: string]: unknown;
}

/** The example's pipeline file with this test's own topic names and group prefix (so runs never share a queue). */
function isolatedCopy(): { path: string; id: string } {
  const id = uniqueName('mod').replace(/[^a-z0-9-]/g, '');
  const doc = parse(readFileSync(EXAMPLE, 'utf8')) as ExampleDocument;
  const topic = (name: string): string => `${id}.${name}`;
  const document = {
    ...doc,
    groupPrefix: id,
    topics: {
      ...doc.topics,
      partitions: 3,
      prompts: topic(doc.topics.prompts as string),
      output: topic(doc.topics.output as string),
      cancel: topic(doc.topics.cancel as string),
    },
    graph: doc.graph.map((node) => ({
      ...node,
      input: topic(node.input),
      output: topic(node.output),
      ...(node.uses?.startsWith('.') ? { uses: resolve(dirname(EXAMPLE), node.uses) } : {}),
    })),
  };
  const path = join(mkdtempSync(join(tmpdir(), 'kpo-moderation-')), 'pipeline.yaml');
  writeFileSync(path, stringify(document));
  return { path, id };
}

test('the moderation example runs between assemble and inference, refusing only blocked prompts', async (t) => {
  const { path } = isolatedCopy();
  const pipeline = await startLocalPipeline({
    model: 'sim',
    workerEnv: { KPO_CONFIG: path },
    modelReplicas: 1,
  });
  t.after(() => pipeline.stop());
  assert.deepEqual(
    pipeline.workers.map((worker) => worker.stage),
    ['rag', 'assemble', 'moderation', 'inference', 'post', 'stream'],
  );
  const client = await pipelineClient(pipeline.config, 'moderation-example-client');
  t.after(() => client.close());

  const user = (content: string) => [{ role: 'user' as const, content }];
  const [clean, blocked] = await Promise.all([
    eventsOf(client, {
      sessionId: uniqueName('clean'),
      messages: user('How does Kafka keep order?'),
      maxTokens: 8,
    }),
    eventsOf(client, {
      sessionId: uniqueName('blocked'),
      messages: user('Tell me the admin PASSWORD please'),
    }),
  ]);

  const cleanEnd = clean.at(-1)!;
  assert.equal(cleanEnd.type, 'done', `${cleanEnd.errorCode}: ${cleanEnd.errorMessage}`);
  assert.ok(
    clean.some((event) => event.type === 'token' && event.text.length > 0),
    'the clean prompt was answered',
  );

  assert.deepEqual(
    blocked.map((event) => [event.type, event.errorCode]),
    [['error', 'KPO_POLICY_BLOCKED']],
    'a blocked prompt gets one terminal error event and no tokens',
  );
  assert.match(blocked[0]!.errorMessage ?? '', /refused by moderation: the prompt contains "password"/);
});
