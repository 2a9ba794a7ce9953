import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assemblePrompt } from '../../../../workers/assemble/prompt-assembler.ts';
import { parseAssembleOptions } from '../../../../workers/assemble/options.ts';
import { createTokenCounter } from '../../../../workers/assemble/token-counter.ts';
import { sharedPrefixBlocks } from '../../../helpers/shared-prefix-blocks.ts';
import type { HistoryTurn } from '../../../../shared/redis/conversation-history-store.ts';
import type { RetrievedDocument } from '../../../../shared/messages/types.ts';
import { KpoError } from '../../../../shared/errors/kpo-error.ts';
import { promptRequest, userMessage } from '../message-fixtures.ts';

const tokens = createTokenCounter('o200k_base');
const doc = (id: string, text: string): RetrievedDocument => ({ id, score: 1, text, source: `${id}.md` });
const exchange = (n: number, words = 5): HistoryTurn[] => [
  { role: 'user', content: `question ${n} ${'word '.repeat(words)}` },
  { role: 'assistant', content: `answer ${n} ${'word '.repeat(words)}` },
];

test('orders system prompt, history oldest first, then context and the user turn', () => {
  const options = parseAssembleOptions({ systemPrompt: 'SYS' });
  const result = assemblePrompt(
    {
      request: promptRequest({ messages: [userMessage('What is lag?')] }),
      documents: [doc('a', 'Lag is queue depth.')],
      history: [...exchange(1), ...exchange(2)],
    },
    options,
    tokens,
  );
  assert.deepEqual(
    result.messages.map((m) => m.role),
    ['system', 'user', 'assistant', 'user', 'assistant', 'user'],
  );
  assert.equal(result.messages[0]?.content, 'SYS');
  assert.match(result.messages[1]?.content ?? '', /^question 1/);
  const last = result.messages.at(-1)?.content ?? '';
  assert.match(last, /\[1\] \(a\.md\) Lag is queue depth\./);
  assert.ok(last.endsWith('Question: What is lag?'));
  assert.equal(result.tokenCount, tokens.count(result.prompt ?? ''));
  assert.ok(result.prompt?.startsWith('### System\nSYS\n\n### User\nquestion 1'));
  assert.equal(result.droppedHistoryTurns, 0);
});

test('requests of one session share their prompt prefix blocks up to the changing part', () => {
  const options = parseAssembleOptions({});
  const history = [...exchange(1, 40), ...exchange(2, 40)];
  const first = assemblePrompt(
    { request: promptRequest({ messages: [userMessage('one')] }), documents: [], history },
    options,
    tokens,
  );
  const second = assemblePrompt(
    { request: promptRequest({ messages: [userMessage('two')] }), documents: [doc('x', 'ctx')], history },
    options,
    tokens,
  );
  const prompt = first.prompt ?? '';
  const stableTokens = tokens.count(prompt.slice(0, prompt.lastIndexOf('### User')));
  const shared = sharedPrefixBlocks(first.prefixBlockHashes, second.prefixBlockHashes);
  assert.ok(stableTokens > 100);
  assert.ok(
    shared >= Math.floor(stableTokens / 16) - 1,
    `shared ${shared} blocks of ${stableTokens} stable tokens`,
  );
  assert.ok(shared < second.prefixBlockHashes.length, 'the changed user turn changes the later blocks');
});

test('the same prompt of two tenants shares no prefix block; of one tenant, all of them', () => {
  const options = parseAssembleOptions({});
  const history = exchange(1, 60);
  const hashes = (tenant: string): string[] =>
    assemblePrompt(
      { request: promptRequest({ tenant, messages: [userMessage('same')] }), documents: [], history },
      options,
      tokens,
    ).prefixBlockHashes;
  assert.ok(hashes('acme').length > 2);
  assert.equal(sharedPrefixBlocks(hashes('acme'), hashes('beta')), 0);
  assert.deepEqual(hashes('acme'), hashes('acme'));
  assert.equal(sharedPrefixBlocks(hashes(''), hashes('acme')), 0, 'single-tenant chains are their own too');
});

test('drops the oldest history first to fit the budget, never half an exchange (step of 1 token: just enough)', () => {
  const history = [...exchange(1, 50), ...exchange(2, 50), ...exchange(3, 50)];
  const full = assemblePrompt(
    { request: promptRequest(), documents: [], history },
    parseAssembleOptions({}),
    tokens,
  );
  const budget = full.tokenCount - 60;
  const result = assemblePrompt(
    { request: promptRequest(), documents: [], history },
    parseAssembleOptions({ tokenBudget: budget, truncationStepTokens: 1 }),
    tokens,
  );
  assert.ok(result.tokenCount <= budget);
  assert.equal(result.droppedHistoryTurns, 2);
  assert.match(result.messages[1]?.content ?? '', /^question 2/);
  assert.equal(result.messages[0]?.role, 'system');
  assert.ok(result.messages.at(-1)?.content.endsWith('How do consumer groups rebalance?'));
});

test('after all history, the lowest-ranked documents go; system prompt and user turn stay', () => {
  const documents = [doc('best', 'short'), doc('worst', 'long '.repeat(300))];
  const options = parseAssembleOptions({ tokenBudget: 200 });
  const result = assemblePrompt(
    { request: promptRequest(), documents, history: exchange(1, 100) },
    options,
    tokens,
  );
  assert.ok(result.tokenCount <= 200);
  assert.equal(result.droppedHistoryTurns, 2);
  const last = result.messages.at(-1)?.content ?? '';
  assert.match(last, /best/);
  assert.doesNotMatch(last, /worst/);
});

test('a system prompt plus user turn over the budget is KPO_PROMPT_TOO_LONG, not retryable', () => {
  const options = parseAssembleOptions({ tokenBudget: 50 });
  const request = promptRequest({ messages: [userMessage('tell me '.repeat(100))] });
  assert.throws(
    () => assemblePrompt({ request, documents: [], history: [] }, options, tokens),
    (error: unknown) => {
      assert.ok(error instanceof KpoError);
      assert.equal(error.code, 'KPO_PROMPT_TOO_LONG');
      assert.equal(error.retryable, false);
      assert.equal(error.context.requestId, 'req-1');
      return true;
    },
  );
});

test('the context window leaves room for maxTokens of answer', () => {
  const options = parseAssembleOptions({ contextWindow: 300 });
  const request = promptRequest({ maxTokens: 280, messages: [userMessage('word '.repeat(40))] });
  assert.throws(() => assemblePrompt({ request, documents: [], history: [] }, options, tokens), {
    code: 'KPO_PROMPT_TOO_LONG',
  });
});

test('an empty or whitespace-only user turn, or none at all, is KPO_PROMPT_EMPTY', () => {
  const options = parseAssembleOptions({});
  for (const messages of [[], [userMessage('   \n')], [{ role: 'assistant' as const, content: 'hi' }]]) {
    assert.throws(
      () =>
        assemblePrompt({ request: promptRequest({ messages }), documents: [], history: [] }, options, tokens),
      (error: unknown) => error instanceof KpoError && error.code === 'KPO_PROMPT_EMPTY' && !error.retryable,
    );
  }
});

test('client system messages follow the configured prompt; client turns count as newest history', () => {
  const request = promptRequest({
    messages: [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'earlier' },
      { role: 'assistant', content: 'reply' },
      userMessage('now'),
    ],
  });
  const result = assemblePrompt(
    { request, documents: [], history: exchange(1) },
    parseAssembleOptions({ systemPrompt: 'SYS' }),
    tokens,
  );
  assert.equal(result.messages[0]?.content, 'SYS\n\nBe brief.');
  assert.deepEqual(
    result.messages.slice(1).map((m) => m.content.split(' ')[0]),
    ['question', 'answer', 'earlier', 'reply', 'now'],
  );
  const ignored = assemblePrompt(
    { request, documents: [], history: [] },
    parseAssembleOptions({ systemPrompt: 'SYS', clientSystemMessages: 'ignore', clientHistory: 'ignore' }),
    tokens,
  );
  assert.deepEqual(
    ignored.messages.map((m) => m.content),
    ['SYS', 'now'],
  );
});

test('special-token strings in user text are counted as text, not refused', () => {
  const request = promptRequest({ messages: [userMessage('what does <|endoftext|> mean?')] });
  const result = assemblePrompt({ request, documents: [], history: [] }, parseAssembleOptions({}), tokens);
  assert.ok(result.tokenCount > 0);
});

test('template placeholders inside document text are not expanded', () => {
  const result = assemblePrompt(
    { request: promptRequest(), documents: [doc('a', 'literally {question} here')], history: [] },
    parseAssembleOptions({}),
    tokens,
  );
  assert.match(result.messages.at(-1)?.content ?? '', /literally \{question\} here/);
});

test('each turn kept as sent: the next prompt extends the previous prompt and its answer, token for token', () => {
  const options = parseAssembleOptions({ chatTemplate: 'chatml' });
  const first = assemblePrompt(
    {
      request: promptRequest({ messages: [userMessage('What is lag?')] }),
      documents: [doc('a', 'Lag is depth.')],
      history: [],
    },
    options,
    tokens,
  );
  const sentUserTurn = first.messages.at(-1)!.content;
  const answer = 'Lag is how far a consumer is behind.';
  const second = assemblePrompt(
    {
      request: promptRequest({ messages: [userMessage('And how do I measure it?')] }),
      documents: [doc('b', 'Measure with kpo status.')],
      history: [
        { role: 'user', content: sentUserTurn },
        { role: 'assistant', content: answer },
      ],
    },
    options,
    tokens,
  );
  const previous = `${first.prompt}${answer}<|im_end|>\n`;
  assert.ok(second.prompt?.startsWith(previous), 'prompt N starts with prompt N-1 + answer');
  const previousBlocks = Math.floor(tokens.count(previous) / 16);
  assert.ok(
    sharedPrefixBlocks(first.prefixBlockHashes, second.prefixBlockHashes) >=
      first.prefixBlockHashes.length - 1,
  );
  assert.ok(second.prefixBlockHashes.length > previousBlocks);
});

test('truncation cuts in steps: the cut stays put while the history grows, so prompts keep extending', () => {
  const options = parseAssembleOptions({ systemPrompt: 'SYS', tokenBudget: 600, truncationStepTokens: 256 });
  const history: HistoryTurn[] = [];
  const cuts: number[] = [];
  let previous: string | undefined;
  let extensions = 0;
  for (let turn = 0; turn < 12; turn += 1) {
    const result = assemblePrompt(
      { request: promptRequest({ messages: [userMessage(`question ${turn}`)] }), documents: [], history },
      options,
      tokens,
    );
    assert.ok(result.tokenCount <= 600);
    cuts.push(result.droppedHistoryTurns);
    if (previous !== undefined && result.prompt?.startsWith(previous) === true) extensions += 1;
    const answer = `answer ${turn} ${'word '.repeat(60)}`;
    history.push(
      { role: 'user', content: result.messages.at(-1)!.content },
      { role: 'assistant', content: answer },
    );
    previous = `${result.prompt}${answer}\n\n`;
  }
  const moves = cuts.filter((cut, i) => i > 0 && cut !== cuts[i - 1]).length;
  assert.ok(cuts.at(-1)! > 0, 'the budget forced truncation');
  assert.ok(moves <= 3, `the cut moved ${moves} times: ${cuts.join(',')}`);
  assert.equal(extensions, 11 - moves, 'every turn where the cut stayed extends the previous prompt');
});

test('the simulator template renders the prompt exactly as the simulator renders chat messages', () => {
  const result = assemblePrompt(
    { request: promptRequest({ messages: [userMessage('Hi')] }), documents: [], history: exchange(1, 1) },
    parseAssembleOptions({ systemPrompt: 'SYS', chatTemplate: 'simulator' }),
    tokens,
  );
  const simRendering = `${result.messages.map((m) => `${m.role}: ${m.content}`).join('\n')}\nassistant:`;
  assert.equal(result.prompt, simRendering);
});
