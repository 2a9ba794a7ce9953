/**
 * /v1/chat/completions and /v1/completions as vLLM serves them: SSE chunks
 * with one id, choices[].delta (chat) or choices[].text (completions), a
 * finish chunk per choice, a usage-only last chunk when
 * stream_options.include_usage is set (with prompt_tokens_details.cached_tokens),
 * then `data: [DONE]`. /v1/completions takes an array of prompts.
 */
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { ChoiceOutcome, PromptJob } from './sim-engine.ts';
import { numberField, sendJson, startSse, stopField, writeSseData } from './http-io.ts';
import { splitContinuation } from './sim-text.ts';

export type OpenAiApi = 'chat' | 'completions';

export function openAiJobs(api: OpenAiApi, body: Record<string, unknown>): PromptJob[] | string {
  const maxTokens = numberField(body, 'max_tokens') ?? numberField(body, 'max_completion_tokens') ?? 16;
  const seed = numberField(body, 'seed');
  const stop = stopField(body['stop']);
  if (api === 'chat') {
    const messages = body['messages'];
    if (!Array.isArray(messages) || messages.length === 0) return 'messages must be a non-empty array';
    const turns = messages.map((m) => (m ?? {}) as Record<string, unknown>);
    const contentOf = (message: Record<string, unknown>) =>
      typeof message['content'] === 'string' ? message['content'] : '';
    // vLLM's continue_final_message: the last (assistant) message is a partial answer to extend.
    const last = turns.at(-1)!;
    const continues = body['continue_final_message'] === true;
    if (continues && (last['role'] !== 'assistant' || body['add_generation_prompt'] === true)) {
      return 'continue_final_message needs a final assistant message and add_generation_prompt false';
    }
    const asked = (continues ? turns.slice(0, -1) : turns).map(
      (m) => `${String(m['role'])}: ${contentOf(m)}`,
    );
    const prompt = `${asked.join('\n')}\nassistant:`;
    // Chat turns render as "role: content": the answer follows the "assistant:" cue after one space.
    return [
      {
        prompt,
        maxTokens,
        seed,
        stop,
        answerSeparator: ' ',
        ...(continues ? { continuation: contentOf(last) } : {}),
      },
    ];
  }
  const prompt = body['prompt'];
  const prompts = typeof prompt === 'string' ? [prompt] : Array.isArray(prompt) ? prompt.map(String) : [];
  if (prompts.length === 0) return 'prompt must be a string or a non-empty array of strings';
  // A raw prompt continues wherever it ends: one that ends in a partial answer gets the rest of it.
  return prompts.map((raw) => ({
    ...splitContinuation(raw, seed, stop),
    maxTokens,
    seed,
    stop,
    answerSeparator: '',
  }));
}

export interface OpenAiResponder {
  token(index: number, text: string): void;
  finished(index: number, outcome: ChoiceOutcome): void;
  /** Everything is done: usage chunk and [DONE] (streaming) or the JSON body. */
  end(): void;
}

export function openAiResponder(
  api: OpenAiApi,
  body: Record<string, unknown>,
  choiceCount: number,
  model: string,
  response: ServerResponse,
): OpenAiResponder {
  const stream = body['stream'] === true;
  const options = (body['stream_options'] ?? {}) as Record<string, unknown>;
  const includeUsage = options['include_usage'] === true;
  const id = `${api === 'chat' ? 'chatcmpl' : 'cmpl'}-${randomBytes(8).toString('hex')}`;
  const object = api === 'chat' ? 'chat.completion.chunk' : 'text_completion';
  const created = Math.floor(Date.now() / 1000);
  const texts: string[] = Array.from({ length: choiceCount }, () => '');
  const outcomes: (ChoiceOutcome | undefined)[] = Array.from({ length: choiceCount }, () => undefined);
  const choice = (index: number, text: string, finish: string | null) =>
    api === 'chat'
      ? {
          index,
          delta: text === '' && finish !== null ? {} : { content: text },
          logprobs: null,
          finish_reason: finish,
        }
      : { index, text, logprobs: null, finish_reason: finish };
  const usage = () => {
    const done = outcomes.filter((o): o is ChoiceOutcome => o !== undefined);
    const prompt = done.reduce((sum, o) => sum + o.promptTokens, 0);
    const completion = done.reduce((sum, o) => sum + o.plan.tokens.length, 0);
    const cached = done.reduce((sum, o) => sum + o.cachedTokens, 0);
    return {
      prompt_tokens: prompt,
      completion_tokens: completion,
      total_tokens: prompt + completion,
      prompt_tokens_details: { cached_tokens: cached },
    };
  };
  if (stream) {
    startSse(response);
    if (api === 'chat') {
      writeSseData(response, {
        id,
        object,
        created,
        model,
        choices: [
          { index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null },
        ],
      });
    }
  }
  return {
    token(index, text) {
      texts[index] += text;
      if (stream)
        writeSseData(response, { id, object, created, model, choices: [choice(index, text, null)] });
    },
    finished(index, outcome) {
      outcomes[index] = outcome;
      if (stream) {
        writeSseData(response, {
          id,
          object,
          created,
          model,
          choices: [choice(index, '', outcome.plan.finishReason)],
        });
      }
    },
    end() {
      if (stream) {
        if (includeUsage) writeSseData(response, { id, object, created, model, choices: [], usage: usage() });
        writeSseData(response, '[DONE]');
        response.end();
        return;
      }
      const choices = outcomes.map((outcome, index) =>
        api === 'chat'
          ? {
              index,
              message: { role: 'assistant', content: texts[index] },
              finish_reason: outcome?.plan.finishReason ?? 'stop',
            }
          : {
              index,
              text: texts[index],
              logprobs: null,
              finish_reason: outcome?.plan.finishReason ?? 'stop',
            },
      );
      sendJson(response, 200, {
        id,
        object: api === 'chat' ? 'chat.completion' : 'text_completion',
        created,
        model,
        choices,
        usage: usage(),
      });
    },
  };
}
