/**
 * The gateway's HTTP server (fastify): the OpenAI-compatible routes, health,
 * readiness and metrics. Every failure leaves as an OpenAI-shaped error body
 * (malformed JSON 400, body too large 413, unknown route 404, …).
 */
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
} from 'fastify';
import { authenticate } from './authenticate.ts';
import { ChatCompletionsRoute } from './chat-completions-route.ts';
import { GatewayMetrics } from './gateway-metrics.ts';
import { withGatewayDefaults, type CompiledGatewayOptions, type GatewayOptions } from './gateway-options.ts';
import { GatewayHttpError } from './openai-error.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated tenant ("" before authentication or without keys). */
    tenant: string;
    /** Whether the request asked for a stream (for the metrics of refused requests). */
    streamed: boolean;
    /** True once the route counted the request in the metrics itself. */
    counted: boolean;
  }
}

export interface GatewayServer {
  readonly app: FastifyInstance;
  readonly options: CompiledGatewayOptions;
  /** Connects to the pipeline and listens; resolves with the bound URL. */
  listen(port: number, host?: string): Promise<string>;
  /** Stops taking requests, waits for open ones up to `graceMs`, then closes the pipeline client. */
  close(graceMs?: number): Promise<void>;
}

export function createGatewayServer(input: GatewayOptions): GatewayServer {
  const options = withGatewayDefaults(input, () => new GatewayMetrics());
  const loggerInstance: FastifyBaseLogger | undefined = options.logger;
  const app = Fastify({
    bodyLimit: options.bodyLimitBytes,
    // Fastify's per-request lines would log URLs only; the route logs what matters, never keys or prompts.
    logController: new LogController({ disableRequestLogging: true }),
    ...(loggerInstance ? { loggerInstance } : {}),
  });
  app.decorateRequest('tenant', '');
  app.decorateRequest('streamed', false);
  app.decorateRequest('counted', false);
  let ready = false;
  let closing = false;
  const chat = new ChatCompletionsRoute(options);

  app.setErrorHandler((error: FastifyError | GatewayHttpError, request, reply) => {
    const httpError = toHttpError(error);
    if (httpError.status >= 500 && !(error instanceof GatewayHttpError)) {
      request.log.error({ err: error }, 'gateway request failed');
    }
    if (!request.counted) options.metrics.answered(request.tenant, request.streamed, httpError.status);
    return reply.code(httpError.status).headers(httpError.responseHeaders()).send(httpError.body());
  });
  app.setNotFoundHandler((request, reply) => {
    const error = new GatewayHttpError(404, `Unknown request URL: ${request.method} ${request.url}.`, {
      type: 'invalid_request_error',
      code: 'unknown_url',
    });
    return reply.code(404).send(error.body());
  });

  chat.register(app);
  app.get('/v1/models', (request) => {
    authenticate(request.headers, options.apiKeys);
    return {
      object: 'list',
      data: options.models.names.map((id) => ({ id, object: 'model', created: 0, owned_by: 'kpo' })),
    };
  });
  app.get('/healthz', () => ({ status: 'ok' }));
  app.get('/readyz', (_request, reply) =>
    reply
      .code(ready && !closing ? 200 : 503)
      .send({ ready: ready && !closing, inFlight: chat.inFlightRequests }),
  );
  app.get('/metrics', async (_request, reply) =>
    reply.type(options.metrics.registry.contentType).send(await options.metrics.registry.metrics()),
  );

  return {
    app,
    options,
    async listen(port, host = '127.0.0.1') {
      await options.submitter.start();
      const url = await app.listen({ port, host });
      ready = true;
      return url;
    },
    async close(graceMs = 10_000) {
      closing = true;
      // Open streams would hold app.close() forever: past the grace period their connections are cut.
      const cut = setTimeout(() => app.server.closeAllConnections(), graceMs);
      try {
        await app.close();
      } finally {
        clearTimeout(cut);
        await options.submitter.close();
      }
    },
  };
}

function toHttpError(error: FastifyError | GatewayHttpError): GatewayHttpError {
  if (error instanceof GatewayHttpError) return error;
  const status = error.statusCode ?? 500;
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return new GatewayHttpError(413, 'The request body is larger than this gateway accepts.', {
      type: 'invalid_request_error',
      code: 'request_too_large',
    });
  }
  if (status >= 400 && status < 500) {
    // Fastify's own refusals: malformed JSON, empty body, wrong content type.
    return new GatewayHttpError(status, error.message, {
      type: 'invalid_request_error',
      code: error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' ? 'invalid_json' : (error.code ?? null),
    });
  }
  return new GatewayHttpError(500, 'The gateway failed to answer this request.', { type: 'server_error' });
}
