/**
 * The local model's HTTP server, one replica per process: the same routes and
 * response shapes as the simulator (it reuses the simulator's HTTP helpers and
 * responders), backed by node-llama-cpp. It listens before the model is loaded
 * so /health can say 503 while loading; serve(engine) opens it for requests.
 * A client that closes its connection aborts its generation; close() aborts
 * every generation, waits for them, and frees the engine.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import {
  listenOn,
  sendMetrics,
  sendModelList,
  readJsonBody,
  sendError,
  sendJson,
} from '../model-sim/http-io.ts';
import { llamaCppResponder } from '../model-sim/llamacpp-route.ts';
import { openAiResponder } from '../model-sim/openai-route.ts';
import type { ChoiceOutcome } from '../model-sim/sim-engine.ts';
import { parseChatRequest, parseCompletionRequest } from './generation-request.ts';
import type { LlamaEngine } from './llama-engine.ts';
import { LOCAL_MODEL } from './local-model-assets.ts';
import { LocalModelMetrics } from './local-model-metrics.ts';
import type { LocalModelOptions } from './local-model-options.ts';
import { QueueFullError, SequencePool } from './sequence-pool.ts';
import { generateOnSequence, type GenerationOutcome } from './token-generation.ts';

export interface RunningLocalModel {
  readonly url: string;
  readonly replicaId: string;
  /** Starts answering generation requests (and /health 200) with a loaded engine. */
  serve(engine: LlamaEngine): void;
  close(): Promise<void>;
}

type Route = 'chat' | 'completion';

interface Serving {
  readonly engine: LlamaEngine;
  readonly pool: SequencePool;
}

export async function startLocalModelServer(options: LocalModelOptions): Promise<RunningLocalModel> {
  let replicaId = options.replicaId ?? `local-${options.port}`;
  const metrics = new LocalModelMetrics(replicaId);
  let serving: Serving | undefined;
  const open = new Set<ServerResponse>();
  const generations = new Set<Promise<void>>();

  const server: Server = createServer((request, response) => {
    open.add(response);
    response.on('close', () => open.delete(response));
    const handled = handle(request, response).catch(() => {
      if (!response.headersSent) sendError(response, 500, 'generation failed', 'server_error');
      else response.destroy();
    });
    generations.add(handled);
    void handled.finally(() => generations.delete(handled));
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? '/').split('?')[0];
    const method = request.method ?? 'GET';
    if (method === 'GET' && path === '/health') {
      if (serving === undefined) return sendError(response, 503, 'Loading model', 'unavailable_error');
      return sendJson(response, 200, { status: 'ok', replica: replicaId, model: LOCAL_MODEL.id });
    }
    if (method === 'GET' && path === '/metrics') return sendMetrics(response, metrics.registry);
    if (method === 'GET' && path === '/v1/models') return sendModelList(response, LOCAL_MODEL.id);
    if (method === 'GET' && path === '/slots') {
      if (serving === undefined) return sendError(response, 503, 'Loading model', 'unavailable_error');
      const contextSize = serving.engine.contextSize;
      return sendJson(
        response,
        200,
        serving.pool.slots().map((slot) => ({
          id: slot.id,
          n_ctx: contextSize,
          is_processing: slot.isProcessing,
          n_past: slot.tokensHeld,
        })),
      );
    }
    if (method === 'POST' && path === '/admin/cache/clear') {
      if (serving === undefined) return sendError(response, 503, 'Loading model', 'unavailable_error');
      try {
        return sendJson(response, 200, { cleared_sequences: await serving.pool.clearIdle() });
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        return sendError(response, 500, `cache clear failed: ${reason}`, 'server_error');
      }
    }
    const route: Route | undefined =
      path === '/v1/chat/completions' ? 'chat' : path === '/completion' ? 'completion' : undefined;
    if (method !== 'POST' || route === undefined)
      return sendError(response, 404, `no route ${method} ${path}`, 'not_found');
    let body: Record<string, unknown>;
    try {
      body = await readJsonBody(request);
    } catch (error) {
      return sendError(response, 400, (error as Error).message, 'invalid_request_error');
    }
    await generate(route, body, response);
  }

  async function generate(
    route: Route,
    body: Record<string, unknown>,
    response: ServerResponse,
  ): Promise<void> {
    if (serving === undefined) return sendError(response, 503, 'Loading model', 'unavailable_error');
    const { engine, pool } = serving;
    const parsed = route === 'chat' ? parseChatRequest(body, engine) : parseCompletionRequest(body, engine);
    const invalid =
      typeof parsed === 'string'
        ? parsed
        : !pool.accepts(parsed.requestedSlot)
          ? `id_slot must be -1 or 0..${pool.size - 1}`
          : parsed.promptTokens.length >= engine.contextSize
            ? `prompt has ${parsed.promptTokens.length} tokens; a sequence holds ${engine.contextSize}`
            : undefined;
    if (invalid !== undefined || typeof parsed === 'string') {
      metrics.requests.inc({ route, outcome: 'invalid' });
      return sendError(response, 400, invalid ?? 'invalid request', 'invalid_request_error');
    }
    const controller = new AbortController();
    response.on('close', () => {
      if (!response.writableFinished) controller.abort(new Error('client closed the connection'));
    });
    let lease;
    try {
      lease = await pool.acquire(parsed.requestedSlot, parsed.promptTokens, controller.signal);
    } catch (error) {
      if (!(error instanceof QueueFullError)) {
        metrics.requests.inc({ route, outcome: 'cancelled' });
        return;
      }
      metrics.requests.inc({ route, outcome: 'queue_full' });
      return sendError(response, 503, error.message, 'server_overloaded', { 'retry-after': '1' });
    }
    try {
      const responder =
        route === 'chat' ? chatResponder(body, response) : completionResponder(body, response, lease.slot);
      const outcome = await generateOnSequence(
        engine.model,
        lease.sequence,
        engine.contextSize,
        parsed,
        responder.token,
        controller.signal,
      );
      metrics.promptTokens.inc(outcome.promptTokens);
      metrics.cachedTokens.inc(outcome.cachedTokens);
      metrics.generatedTokens.inc(outcome.tokenTexts.length);
      metrics.ttft.observe(outcome.promptMs / 1000);
      responder.finished(choiceOutcome(outcome));
      metrics.requests.inc({ route, outcome: 'ok' });
    } catch (error) {
      if (!controller.signal.aborted) {
        metrics.requests.inc({ route, outcome: 'error' });
        throw error;
      }
      metrics.requests.inc({ route, outcome: 'cancelled' });
    } finally {
      lease.release();
    }
  }

  function chatResponder(body: Record<string, unknown>, response: ServerResponse) {
    const responder = openAiResponder('chat', body, 1, LOCAL_MODEL.id, response);
    return {
      token: (text: string) => responder.token(0, text),
      finished: (outcome: ChoiceOutcome) => {
        responder.finished(0, outcome);
        responder.end();
      },
    };
  }

  function completionResponder(body: Record<string, unknown>, response: ServerResponse, slot: number) {
    const responder = llamaCppResponder(body, response, slot);
    return {
      token: (text: string) => responder.token(text),
      finished: (outcome: ChoiceOutcome) => responder.finished(outcome),
    };
  }

  const port = await listenOn(server, options.port, options.host);
  if (options.replicaId === undefined && options.port === 0) {
    replicaId = `local-${port}`;
    metrics.registry.setDefaultLabels({ replica: replicaId });
  }
  return {
    url: `http://127.0.0.1:${port}`,
    replicaId,
    serve(engine) {
      const pool = new SequencePool(engine.sequences, options.queueDepth, () => {
        metrics.busySequences.set(pool.busyCount);
        metrics.waitingRequests.set(pool.waitingCount);
      });
      serving = { engine, pool };
      metrics.loaded.set(1);
    },
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const response of open) response.destroy();
      await Promise.allSettled([...generations]);
      await closed;
      await serving?.engine.dispose();
      serving = undefined;
    },
  };
}

/** The simulator's responders count tokens by `plan.tokens` and read its finish reason from `plan`. */
function choiceOutcome(outcome: GenerationOutcome): ChoiceOutcome {
  return {
    plan: { tokens: outcome.tokenTexts, finishReason: outcome.finishReason },
    promptTokens: outcome.promptTokens,
    cachedTokens: outcome.cachedTokens,
    promptMs: outcome.promptMs,
    predictedMs: outcome.predictedMs,
  };
}
