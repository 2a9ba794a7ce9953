import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadPipelineConfig, parsePipelineConfig } from '../../../shared/config/load-pipeline-config.ts';
import { KpoError } from '../../../shared/errors/kpo-error.ts';
import { findStage, loadStageGraph } from '../../../shared/pipeline/load-stage-graph.ts';

async function refused(document: unknown, field: string, text: RegExp): Promise<void> {
  await assert.rejects(
    async () => loadStageGraph(parsePipelineConfig(document)),
    (error: unknown) => {
      assert.ok(error instanceof KpoError, String(error));
      assert.equal(error.code, 'KPO_CONFIG_INVALID');
      assert.equal(error.context.field, field);
      assert.match(error.message, text);
      return true;
    },
  );
}

const node = (name: string, input: string, output: unknown, uses?: string) => ({
  name,
  input,
  output,
  ...(uses === undefined ? {} : { uses }),
});

test('without a graph the pipeline is the five built-in stages in order, over the topics section', async () => {
  const stages = await loadStageGraph(parsePipelineConfig({}));
  assert.deepEqual(
    stages.map(({ node }) => [node.name, node.input, node.output, node.inputKind, node.outputKind]),
    [
      ['rag', 'llm.prompts', 'llm.rag', 'promptRequest', 'retrievalResult'],
      ['assemble', 'llm.rag', 'llm.assembled', 'retrievalResult', 'assembledPrompt'],
      ['inference', 'llm.assembled', 'llm.tokens.raw', 'assembledPrompt', 'tokenChunk'],
      ['post', 'llm.tokens.raw', 'llm.tokens.post', 'tokenChunk', 'tokenChunk'],
      ['stream', 'llm.tokens.post', 'llm.output', 'tokenChunk', 'clientEvent'],
    ],
  );
  assert.deepEqual(findStage(stages, 'inference').node.failureTerminal, {
    kind: 'tokenChunk',
    topic: 'llm.tokens.post',
  });
  assert.deepEqual(findStage(stages, 'stream').node.failureTerminal, {
    kind: 'clientEvent',
    topic: 'llm.output',
  });
});

test('a stage not in the graph is refused, naming the stages there are', async () => {
  const stages = await loadStageGraph(parsePipelineConfig({}));
  assert.throws(
    () => findStage(stages, 'infrence'),
    /no stage "infrence".*rag, assemble, inference, post, stream/,
  );
});

test("a misspelt field of a stage's options fails at load, named by its path", async () => {
  await refused(
    { workers: { post: { stopSequence: ['\n'] } } },
    'workers.post.stopSequence',
    /no such field/,
  );
});

test('an unknown built-in stage is refused by name', async () => {
  await refused(
    {
      graph: [
        node('rag', 'llm.prompts', 'llm.rag'),
        node('assemble', 'llm.rag', 'llm.assembled', 'assembel'),
        node('stream', 'llm.assembled', 'llm.output'),
      ],
    },
    'graph[1].uses',
    /"assembel" is no stage/,
  );
});

test('an edge whose message kinds do not fit is refused', async () => {
  await refused(
    {
      graph: [
        node('rag', 'llm.prompts', 'llm.rag'),
        node('inference', 'llm.rag', 'llm.tokens.raw'),
        node('stream', 'llm.tokens.raw', 'llm.output'),
      ],
    },
    'graph[1].input',
    /inference reads assembledPrompt but llm\.rag carries retrievalResult/,
  );
});

test('a cycle is refused', async () => {
  await refused(
    {
      graph: [
        node('post', 'llm.a', 'llm.b'),
        node('post-again', 'llm.b', 'llm.a', 'post'),
        node('stream', 'llm.b', 'llm.output'),
      ],
    },
    'graph',
    /cycle: post → post-again → post/,
  );
});

test('skipping rag is expressible: prompts go straight into assemble', async () => {
  const stages = await loadStageGraph(
    parsePipelineConfig({
      graph: [
        node('assemble', 'llm.prompts', 'llm.assembled'),
        node('inference', 'llm.assembled', 'llm.tokens.raw'),
        node('post', 'llm.tokens.raw', 'llm.tokens.post'),
        node('stream', 'llm.tokens.post', 'llm.output'),
      ],
    }),
  );
  const assemble = findStage(stages, 'assemble').node;
  assert.equal(assemble.upstreamKind, 'promptRequest');
  assert.equal(assemble.inputKind, 'retrievalResult');
});

test('two inference stages for two model pools, chosen by the request model, are expressible', async () => {
  const config = parsePipelineConfig({
    graph: [
      node('rag', 'llm.prompts', 'llm.rag'),
      node('assemble', 'llm.rag', {
        by: 'request.model',
        routes: { large: 'llm.assembled.large' },
        default: 'llm.assembled.small',
      }),
      node('inference-small', 'llm.assembled.small', 'llm.tokens.raw', 'inference'),
      node('inference-large', 'llm.assembled.large', 'llm.tokens.raw', 'inference'),
      node('post', 'llm.tokens.raw', 'llm.tokens.post'),
      node('stream', 'llm.tokens.post', 'llm.output'),
    ],
    stages: { 'inference-large': { concurrency: 4 } },
    workers: { 'inference-large': { flushTokens: 4 } },
  });
  const stages = await loadStageGraph(config);
  assert.equal(findStage(stages, 'inference-large').node.settings.concurrency, 4);
  assert.equal(findStage(stages, 'inference-small').node.settings.concurrency, 16);
  assert.deepEqual(findStage(stages, 'assemble').node.route?.routes, { large: 'llm.assembled.large' });
});

test('a route by a field the output message does not have is refused at start, naming the field', async () => {
  await refused(
    {
      graph: [
        node('assemble', 'llm.prompts', {
          by: 'model',
          routes: { large: 'llm.assembled.large' },
          default: 'llm.assembled',
        }),
        node('inference', 'llm.assembled', 'llm.tokens.raw'),
        node('inference-large', 'llm.assembled.large', 'llm.tokens.raw', 'inference'),
        node('post', 'llm.tokens.raw', 'llm.tokens.post'),
        node('stream', 'llm.tokens.post', 'llm.output'),
      ],
    },
    'graph[0].output.by',
    /assembledPrompt has no field "model" \(fields there: request, messages/,
  );
});

test('knobs or options for a stage the graph does not have are refused by name', () => {
  assert.throws(
    () => parsePipelineConfig({ stages: { moderation: { concurrency: 2 } } }),
    (error: unknown) => error instanceof KpoError && error.context.field === 'stages.moderation',
  );
});

test('the committed pipeline.yaml declares the five stages; the example adds moderation by module path', async () => {
  const committed = await loadStageGraph(loadPipelineConfig({ path: 'pipeline.yaml', env: {} }));
  assert.deepEqual(
    committed.map(({ node }) => node.name),
    ['rag', 'assemble', 'inference', 'post', 'stream'],
  );
  const example = await loadStageGraph(
    loadPipelineConfig({ path: 'examples/moderation-stage/pipeline.yaml', env: {} }),
  );
  const moderation = findStage(example, 'moderation');
  assert.match(moderation.node.uses, /examples\/moderation-stage\/moderation-stage\.ts$/);
  assert.equal(moderation.node.upstreamKind, 'assembledPrompt');
  assert.equal(findStage(example, 'inference').node.input, 'llm.moderated');
});
