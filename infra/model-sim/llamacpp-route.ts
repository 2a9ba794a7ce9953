/**
 * llama.cpp's native POST /completion: `content` per event, a last event with
 * stop: true, stop_type, tokens_predicted, tokens_evaluated, tokens_cached and
 * timings {prompt_n (uncached prompt tokens evaluated), prompt_ms, predicted_n,
 * predicted_ms, predicted_per_token_ms}. Every event carries id_slot, the slot
 * that served the request (the requested one, or the server's pick for -1).
 */
import type { ServerResponse } from 'node:http';
import type { ChoiceOutcome, PromptJob } from './sim-engine.ts';
import { numberField, sendJson, startSse, stopField, writeSseData } from './http-io.ts';
import { splitContinuation } from './sim-text.ts';

export function llamaCppJob(body: Record<string, unknown>): PromptJob | string {
  const prompt = body['prompt'];
  if (typeof prompt !== 'string' || prompt === '') return 'prompt must be a non-empty string';
  const predict = numberField(body, 'n_predict');
  const seed = numberField(body, 'seed');
  const stop = stopField(body['stop']);
  return {
    // A raw prompt continues wherever it ends: one that ends in a partial answer gets the rest of it.
    ...splitContinuation(prompt, seed, stop),
    maxTokens: predict === undefined || predict < 0 ? 128 : predict,
    seed,
    stop,
  };
}

export interface LlamaCppResponder {
  token(text: string): void;
  finished(outcome: ChoiceOutcome): void;
}

/** Answers one /completion call served by slot `idSlot` (slot-table.ts). */
export function llamaCppResponder(
  body: Record<string, unknown>,
  response: ServerResponse,
  idSlot: number,
): LlamaCppResponder {
  const stream = body['stream'] === true;
  let content = '';
  if (stream) startSse(response);
  return {
    token(text) {
      content += text;
      if (stream)
        writeSseData(response, {
          index: 0,
          content: text,
          stop: false,
          id_slot: idSlot,
          tokens_predicted: 0,
        });
    },
    finished(outcome) {
      const predicted = outcome.plan.tokens.length;
      const final = {
        index: 0,
        content: stream ? '' : content,
        id_slot: idSlot,
        stop: true,
        stop_type: outcome.plan.finishReason === 'length' ? 'limit' : 'eos',
        stopped_eos: outcome.plan.finishReason === 'stop',
        stopped_limit: outcome.plan.finishReason === 'length',
        stopped_word: false,
        tokens_predicted: predicted,
        tokens_evaluated: outcome.promptTokens,
        tokens_cached: outcome.cachedTokens,
        truncated: false,
        timings: {
          prompt_n: outcome.promptTokens - outcome.cachedTokens,
          prompt_ms: outcome.promptMs,
          predicted_n: predicted,
          predicted_ms: outcome.predictedMs,
          predicted_per_token_ms: predicted > 1 ? outcome.predictedMs / (predicted - 1) : 0,
        },
      };
      if (stream) {
        writeSseData(response, final);
        response.end();
      } else {
        sendJson(response, 200, final);
      }
    },
  };
}
