/**
 * Clients among other users: the real pipeline (worker processes, simulated
 * model) with prompts of unrelated sessions flowing on every partition. A
 * client that already finished a request on one partition still gets its next
 * answers on every partition, and several clients on different sessions and
 * partitions all complete.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { PromptClient } from '../../../shared/client/prompt-client.ts';
import { createKafkaClient } from '../../../shared/kafka/create-kafka-client.ts';
import type { ClientEvent } from '../../../shared/messages/types.ts';
import { createMessageCodecs } from '../../../shared/serde/create-message-codecs.ts';
import { startLocalPipeline, type LocalPipeline } from '../../../cli/local-pipeline/local-pipeline.ts';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../../shared/config/stack-endpoints.ts';
import { pipelineClient } from '../../helpers/pipeline-client.ts';
import { runTsxScript } from '../../helpers/run-tsx-script.ts';
import { serviceEndpoints } from '../../helpers/services.ts';
import { writeTestPipelineConfig } from '../../helpers/test-pipeline-config.ts';
import {
  sessionOnPartition,
  startOtherSessionsTraffic,
  type OtherSessionsTraffic,
} from '../../helpers/other-sessions-traffic.ts';

const PARTITIONS = 3;

async function ask(client: PromptClient, sessionId: string, content: string): Promise<ClientEvent[]> {
  const submitted = await client.submit({ sessionId, messages: [{ role: 'user', content }], maxTokens: 8 });
  const events: ClientEvent[] = [];
  for await (const event of submitted.events) events.push(event);
  return events;
}

function assertDone(events: readonly ClientEvent[], where: string): void {
  const terminal = events.at(-1);
  assert.equal(terminal?.type, 'done', `${where}: ${terminal?.errorCode} ${terminal?.errorMessage}`);
  assert.deepEqual(
    events.map((e) => e.seq),
    events.map((_, i) => i),
    `${where}: seqs contiguous from 0`,
  );
  assert.ok(events.length > 1, `${where}: some tokens`);
}

describe('clients among other users', { concurrency: false }, () => {
  let pipeline: LocalPipeline;
  let traffic: OtherSessionsTraffic;
  let workerEnv: NodeJS.ProcessEnv;
  const prefix = `cc-${Date.now()}`;

  before(async () => {
    const { env } = writeTestPipelineConfig({}, PARTITIONS);
    workerEnv = env;
    pipeline = await startLocalPipeline({ model: 'sim', workerEnv: env, modelReplicas: 1 });
    const { kafkaBrokers, schemaRegistryUrl } = serviceEndpoints();
    const codecs = await createMessageCodecs({ schemaRegistryUrl });
    traffic = await startOtherSessionsTraffic({
      kafka: createKafkaClient({ brokers: kafkaBrokers, clientId: 'cc-traffic', logLevel: 'nothing' }),
      codec: codecs.promptRequest,
      topic: pipeline.config.topics.prompts,
      partitions: PARTITIONS,
      sessionPrefix: `${prefix}-other`,
      intervalMs: 1_000,
    });
  });

  after(async () => {
    await traffic?.stop();
    await pipeline?.stop();
  });

  test('a client that finished a request on one partition gets its next answers on every partition', async (t) => {
    const client = await pipelineClient(pipeline.config, 'cc-one', 30_000);
    t.after(() => client.close());
    assertDone(await ask(client, sessionOnPartition(`${prefix}-a`, 0, PARTITIONS), 'first'), 'first');
    const before = traffic.produced();
    for (let partition = 0; partition < PARTITIONS; partition++) {
      const sessionId = sessionOnPartition(`${prefix}-b`, partition, PARTITIONS);
      assertDone(await ask(client, sessionId, `on partition ${partition}`), `partition ${partition}`);
    }
    assert.ok(traffic.produced() > before, 'other sessions produced prompts meanwhile');
  });

  test('several clients and `kpo chat` on different sessions and partitions, at the same time, all complete', async (t) => {
    const clients = await Promise.all(
      Array.from({ length: PARTITIONS }, (_, i) => pipelineClient(pipeline.config, `cc-many-${i}`, 60_000)),
    );
    t.after(() => Promise.all(clients.map((c) => c.close())));
    const chatSession = sessionOnPartition(`${prefix}-chat`, 1, PARTITIONS);
    const chat = runTsxScript(
      join(PROJECT_ROOT, 'cli', 'kpo.ts'),
      ['chat', '--session', chatSession],
      { ...process.env, ...workerEnv },
      180_000,
      'what is a partition?\n',
    );
    const before = traffic.produced();
    const answers = await Promise.all(
      clients.flatMap((client, i) =>
        [0, 1].map((turn) =>
          ask(
            client,
            sessionOnPartition(`${prefix}-many-${i}-${turn}`, (i + turn) % PARTITIONS, PARTITIONS),
            `turn ${turn}`,
          ),
        ),
      ),
    );
    answers.forEach((events, i) => assertDone(events, `client ${Math.floor(i / 2)} turn ${i % 2}`));
    const chatRun = await chat;
    assert.equal(chatRun.code, 0, `kpo chat: ${chatRun.stderr}`);
    assert.match(chatRun.stdout, /\[done/, `kpo chat printed no done: ${chatRun.stdout}`);
    assert.ok(traffic.produced() > before, 'other sessions produced prompts meanwhile');
  });
});
