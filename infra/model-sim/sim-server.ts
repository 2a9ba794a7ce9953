/**
 * The simulated model server: one replica on 127.0.0.1. Generation routes go
 * through the fault dice, then the engine; a client that disconnects aborts
 * its generation (as vLLM does). Admin routes change faults at runtime.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { FaultInjector, type FaultKind } from './fault-injector.ts';
import {
  listenOn,
  sendMetrics,
  sendModelList,
  numberField,
  readJsonBody,
  sendError,
  sendJson,
  startSse,
} from './http-io.ts';
import { llamaCppJob, llamaCppResponder } from './llamacpp-route.ts';
import { openAiJobs, openAiResponder } from './openai-route.ts';
import { SimEngine, type PromptJob, type TokenSink } from './sim-engine.ts';
import { SimMetrics } from './sim-metrics.ts';
import type { SimOptions } from './sim-options.ts';
import { SlotTable } from './slot-table.ts';

export interface RunningSim {
  readonly url: string;
  readonly port: number;
  readonly replicaId: string;
  readonly faults: FaultInjector;
  readonly engine: SimEngine;
  close(): Promise<void>;
}

type Route = 'chat' | 'completions' | 'completion';

export async function startSimServer(options: SimOptions): Promise<RunningSim> {
  let replicaId = options.replicaId ?? `sim-${options.port}`;
  const metrics = new SimMetrics(replicaId);
  const engine = new SimEngine(options, metrics);
  const faults = new FaultInjector(options.faults, options.faultSeed);
  /** llama.cpp slots (one per concurrent sequence, like --parallel), for /completion's id_slot. */
  const slots = new SlotTable(options.maxConcurrentSequences);
  const open = new Set<ServerResponse>();

  const server: Server = createServer((request, response) => {
    open.add(response);
    metrics.openResponses.set(open.size);
    response.on('close', () => {
      open.delete(response);
      metrics.openResponses.set(open.size);
    });
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent)
        sendError(
          response,
          400,
          error instanceof Error ? error.message : 'bad request',
          'invalid_request_error',
        );
      else response.destroy();
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? '/').split('?')[0];
    const method = request.method ?? 'GET';
    if (method === 'GET' && path === '/health')
      return sendJson(response, 200, { status: 'ok', replica: replicaId });
    if (method === 'GET' && path === '/metrics') return sendMetrics(response, metrics.registry);
    if (method === 'GET' && path === '/v1/models') return sendModelList(response, options.modelName);
    if (path === '/admin/faults') {
      if (method === 'POST') return sendJson(response, 200, faults.update(await readJsonBody(request)));
      return sendJson(response, 200, faults.current);
    }
    if (method === 'POST' && path === '/admin/cache/clear') {
      engine.cache.clear();
      return sendJson(response, 200, { cleared: true });
    }
    const route: Route | undefined =
      path === '/v1/chat/completions'
        ? 'chat'
        : path === '/v1/completions'
          ? 'completions'
          : path === '/completion'
            ? 'completion'
            : undefined;
    if (method !== 'POST' || route === undefined)
      return sendError(response, 404, `no route ${method} ${path}`, 'not_found');
    await generate(route, await readJsonBody(request), response);
  }

  async function generate(
    route: Route,
    body: Record<string, unknown>,
    response: ServerResponse,
  ): Promise<void> {
    const jobs: PromptJob[] | string =
      route === 'completion' ? wrap(llamaCppJob(body)) : openAiJobs(route, body);
    if (typeof jobs === 'string') return sendError(response, 400, jobs, 'invalid_request_error');
    const requestedSlot = route === 'completion' ? (numberField(body, 'id_slot') ?? -1) : -1;
    if (!slots.accepts(requestedSlot))
      return sendError(response, 400, `id_slot must be -1 or 0..${slots.count - 1}`, 'invalid_request_error');
    const fault = faults.roll();
    if (fault === 'error') {
      metrics.requests.inc({ route, outcome: 'error' });
      return sendError(response, 500, 'simulated internal error', 'server_error');
    }
    if (fault === 'rate_limited') {
      metrics.requests.inc({ route, outcome: 'rate_limited' });
      const retryAfter = String(faults.current.retryAfterSeconds);
      return sendError(response, 429, 'simulated rate limit', 'rate_limit_exceeded', {
        'retry-after': retryAfter,
      });
    }
    if (fault === 'hang') {
      metrics.requests.inc({ route, outcome: 'hang' });
      startSse(response); // headers, then silence until the client gives up
      return;
    }
    const controller = new AbortController();
    response.on('close', () => {
      if (!response.writableFinished) controller.abort();
    });
    const slot = route === 'completion' ? slots.acquire(requestedSlot, jobs[0]!.prompt) : undefined;
    const sink = sinkFor(route, body, jobs.length, response, fault, jobs[0]?.maxTokens ?? 1, slot?.slot ?? 0);
    try {
      await engine.run(jobs, sink.sink, controller.signal);
    } catch {
      metrics.requests.inc({ route, outcome: 'cancelled' });
      return;
    } finally {
      slot?.release();
    }
    if (sink.cut()) {
      metrics.requests.inc({ route, outcome: 'cut' });
      response.destroy();
      return;
    }
    sink.end();
    metrics.requests.inc({ route, outcome: 'ok' });
  }

  function sinkFor(
    route: Route,
    body: Record<string, unknown>,
    choices: number,
    response: ServerResponse,
    fault: FaultKind,
    maxTokens: number,
    slot: number,
  ): { sink: TokenSink; cut: () => boolean; end: () => void } {
    const cutAfter = fault === 'cut' ? Math.max(1, Math.ceil(maxTokens / 2)) : Number.POSITIVE_INFINITY;
    let emitted = 0;
    const cut = () => emitted >= cutAfter;
    if (route === 'completion') {
      const responder = llamaCppResponder(body, response, slot);
      return {
        sink: {
          token: (_index, text) => (responder.token(text), ++emitted < cutAfter),
          finished: (_index, outcome) => {
            if (!cut()) responder.finished(outcome);
          },
        },
        cut,
        end: () => undefined,
      };
    }
    const responder = openAiResponder(route, body, choices, options.modelName, response);
    return {
      sink: {
        token: (index, text) => (responder.token(index, text), ++emitted < cutAfter),
        finished: (index, outcome) => responder.finished(index, outcome),
      },
      cut,
      end: () => responder.end(),
    };
  }

  const port = await listenOn(server, options.port, options.host);
  if (options.replicaId === undefined && options.port === 0) {
    replicaId = `sim-${port}`;
    metrics.registry.setDefaultLabels({ replica: replicaId });
  }
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    replicaId,
    faults,
    engine,
    close: () =>
      new Promise<void>((resolve) => {
        for (const response of open) response.destroy();
        server.close(() => resolve());
      }),
  };
}

function wrap(job: PromptJob | string): PromptJob[] | string {
  return typeof job === 'string' ? job : [job];
}
