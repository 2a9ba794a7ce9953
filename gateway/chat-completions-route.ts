/**
 * POST /v1/chat/completions: authenticate, validate, check the model, the
 * replica's in-flight cap and the tenant's limits, submit the prompt, then
 * answer from its events — as SSE chunks or one JSON body.
 *
 * The response starts only with the request's first event, so a request the
 * pipeline sheds, rejects or refuses before any token still gets a proper
 * status (429/503/400/404) instead of a 200 stream that breaks. A client that
 * goes away before the end gets its request cancelled upstream (llm.cancel).
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ClientEvent } from '../shared/messages/types.ts';
import { TERMINAL_EVENT_TYPES } from '../shared/client/request-event-queue.ts';
import { authenticate } from './authenticate.ts';
import {
  chunk,
  completionBody,
  completionIdentity,
  finishReasonOf,
  usageChunk,
  type CompletionIdentity,
} from './chat-completion-format.ts';
import { parseChatRequest, type ChatRequest } from './chat-request.ts';
import type { CompiledGatewayOptions } from './gateway-options.ts';
import { SESSION_HEADER, sessionIdFor } from './gateway-session.ts';
import { GatewayHttpError } from './openai-error.ts';
import { httpErrorForEvent } from './pipeline-event-errors.ts';
import { SseWriter } from './sse-writer.ts';
import { estimateTokens } from './tenant-rate-limiter.ts';

/** What one accepted request carries through its answer. */
interface Exchange {
  readonly tenant: string;
  readonly chat: ChatRequest;
  readonly requestId: string;
  readonly sessionId: string;
  readonly maxTokens: number;
  readonly identity: CompletionIdentity;
  readonly headers: Record<string, string>;
  readonly startedAt: number;
  readonly tokenEstimate: number;
}

export class ChatCompletionsRoute {
  private inFlight = 0;

  constructor(private readonly options: CompiledGatewayOptions) {}

  get inFlightRequests(): number {
    return this.inFlight;
  }

  register(app: FastifyInstance): void {
    app.post('/v1/chat/completions', (request, reply) => this.handle(request, reply));
  }

  private async handle(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const startedAt = performance.now();
    const tenant = authenticate(request.headers, this.options.apiKeys);
    request.tenant = tenant;
    const parsed = parseChatRequest(request.body);
    if (!parsed.ok) throw parsed.error;
    const chat = parsed.request;
    request.streamed = chat.stream;
    if (!this.options.models.serves(chat.model)) {
      throw new GatewayHttpError(
        404,
        `The model \`${chat.model}\` does not exist or you do not have access to it.`,
        {
          type: 'invalid_request_error',
          param: 'model',
          code: 'model_not_found',
        },
      );
    }
    if (this.inFlight >= this.options.maxInFlight) {
      throw new GatewayHttpError(503, 'This gateway replica is at capacity; retry shortly.', {
        type: 'service_unavailable',
        code: 'overloaded',
        retryAfterSeconds: 1,
      });
    }
    const maxTokens = chat.maxTokens ?? this.options.defaultMaxTokens;
    const tokenEstimate = estimateTokens(chat.messages, maxTokens);
    const headers = await this.admit(tenant, tokenEstimate);
    const requestId = randomUUID();
    const header = request.headers[SESSION_HEADER];
    const exchange: Exchange = {
      tenant,
      chat,
      requestId,
      sessionId: sessionIdFor(
        tenant,
        chat.user ?? (typeof header === 'string' ? header : undefined),
        requestId,
      ),
      maxTokens,
      identity: completionIdentity(requestId, chat.model),
      headers: { ...headers, 'x-request-id': requestId },
      startedAt,
      tokenEstimate,
    };
    this.inFlight += 1;
    this.options.metrics.started(tenant);
    let status = 500;
    try {
      status = await this.answer(exchange, reply);
    } catch (error) {
      if (error instanceof GatewayHttpError) status = error.status;
      throw error;
    } finally {
      this.inFlight -= 1;
      this.options.metrics.finished(tenant, chat.stream, status, (performance.now() - startedAt) / 1000);
      request.counted = true;
    }
  }

  /** Takes the request from the tenant's limits; returns the x-ratelimit-* headers. */
  private async admit(tenant: string, tokenEstimate: number): Promise<Record<string, string>> {
    const limiter = this.options.rateLimiter;
    if (!limiter?.enabled) return {};
    const decision = await limiter.admit(tenant, tokenEstimate);
    if (decision.admitted) return { ...decision.headers };
    this.options.metrics.limited(tenant, decision.exceeded ?? 'requests');
    throw new GatewayHttpError(429, `Rate limit reached for ${decision.exceeded} per minute; retry later.`, {
      type: 'rate_limit_error',
      code: 'rate_limit_exceeded',
      param: null,
      retryAfterSeconds: decision.retryAfterSeconds,
      headers: decision.headers,
    });
  }

  /** Submits and answers; returns the HTTP status sent. */
  private async answer(exchange: Exchange, reply: FastifyReply): Promise<number> {
    const { chat, tenant } = exchange;
    let submitted;
    try {
      submitted = await this.options.submitter.submit({
        requestId: exchange.requestId,
        sessionId: exchange.sessionId,
        tenant,
        messages: chat.messages,
        model: chat.model,
        params: { temperature: chat.temperature, topP: chat.topP, seed: chat.seed },
        stop: chat.stop,
        maxTokens: exchange.maxTokens,
        metadata: chat.metadata,
      });
    } catch (error) {
      this.options.logger?.error({ err: error, requestId: exchange.requestId }, 'submit failed');
      throw new GatewayHttpError(503, 'The pipeline is unavailable; retry shortly.', {
        type: 'service_unavailable',
        code: 'pipeline_unavailable',
        retryAfterSeconds: 1,
      });
    }
    const events = submitted.events[Symbol.asyncIterator]();
    const onClose = (): void => {
      if (reply.raw.writableFinished) return;
      this.options.metrics.cancelled(tenant);
      this.options.submitter
        .cancel(exchange.requestId, exchange.sessionId, 'client disconnected')
        .catch((error: unknown) => this.options.logger?.warn({ err: error }, 'cancel failed'));
    };
    reply.raw.once('close', onClose);
    try {
      const first = (await events.next()).value as ClientEvent;
      if (first.type !== 'token' && first.type !== 'done') {
        await this.settle(exchange, first);
        throw httpErrorForEvent(first);
      }
      return chat.stream
        ? await this.stream(exchange, reply, first, events)
        : await this.collect(exchange, reply, first, events);
    } finally {
      await events.return?.();
    }
  }

  private async stream(
    exchange: Exchange,
    reply: FastifyReply,
    first: ClientEvent,
    events: AsyncIterator<ClientEvent>,
  ): Promise<number> {
    const { identity, chat } = exchange;
    reply.hijack();
    const sse = new SseWriter(reply.raw);
    sse.start(exchange.headers);
    await sse.data(chunk(identity, { role: 'assistant', content: '' }, null, chat.includeUsage));
    let firstToken = true;
    for (let event = first; ; event = (await events.next()).value as ClientEvent) {
      if (!sse.open) return 499; // the client left; onClose cancelled the request
      if (event.type === 'token') {
        if (firstToken) this.recordFirstToken(exchange);
        firstToken = false;
        await sse.data(chunk(identity, { content: event.text }, null, chat.includeUsage));
        continue;
      }
      await this.settle(exchange, event);
      if (event.type === 'done') {
        await sse.data(chunk(identity, {}, finishReasonOf(event, exchange.maxTokens), chat.includeUsage));
        if (chat.includeUsage) await sse.data(usageChunk(identity, event.usage));
        await sse.data('[DONE]');
        sse.end();
        return 200;
      }
      // Tokens already went out with a 200: the failure travels in the stream, as OpenAI does.
      const error = httpErrorForEvent(event);
      await sse.data(JSON.stringify(error.body()));
      sse.end();
      return error.status;
    }
  }

  private async collect(
    exchange: Exchange,
    reply: FastifyReply,
    first: ClientEvent,
    events: AsyncIterator<ClientEvent>,
  ): Promise<number> {
    let text = '';
    for (let event = first; ; event = (await events.next()).value as ClientEvent) {
      if (event.type === 'token') {
        if (text === '') this.recordFirstToken(exchange);
        text += event.text;
        continue;
      }
      await this.settle(exchange, event);
      if (event.type !== 'done') throw httpErrorForEvent(event);
      const body = completionBody(
        exchange.identity,
        text,
        finishReasonOf(event, exchange.maxTokens),
        event.usage,
      );
      await reply.code(200).headers(exchange.headers).send(body);
      return 200;
    }
  }

  private recordFirstToken(exchange: Exchange): void {
    this.options.metrics.firstToken(exchange.tenant, (performance.now() - exchange.startedAt) / 1000);
  }

  /** Books the real usage (tokens metric, the tenant's token window) once the request ended. */
  private async settle(exchange: Exchange, terminal: ClientEvent): Promise<void> {
    if (!TERMINAL_EVENT_TYPES.has(terminal.type)) return;
    const usage = terminal.usage;
    if (usage) this.options.metrics.usage(exchange.tenant, usage);
    // A request that failed before using tokens gives its estimate back; a cancelled one keeps it.
    const used = usage
      ? usage.promptTokens + usage.completionTokens
      : terminal.type === 'cancelled'
        ? exchange.tokenEstimate
        : 0;
    try {
      await this.options.rateLimiter?.settle(exchange.tenant, used - exchange.tokenEstimate);
    } catch (error) {
      this.options.logger?.warn({ err: error, requestId: exchange.requestId }, 'token window settle failed');
    }
  }
}
