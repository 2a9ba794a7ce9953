/**
 * The worker's HTTP server (node:http): /healthz (alive) and /readyz (taking
 * work), 200 or 503 with a small JSON body. Other modules add routes to the
 * same server (e.g. /metrics) with addRoute(). Binds 127.0.0.1 by default.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type RouteHandler = (request: IncomingMessage, response: ServerResponse) => void | Promise<void>;

export interface HealthProbes {
  live(): boolean;
  ready(): boolean;
  /** Extra fields for the JSON body (state, in-flight…). */
  details?(): Readonly<Record<string, unknown>>;
}

export interface HealthServerOptions {
  /** 0 = any free port. */
  readonly port: number;
  /** Default "127.0.0.1". */
  readonly host?: string;
  readonly probes: HealthProbes;
}

export class HealthServer {
  private readonly routes = new Map<string, RouteHandler>();
  private server: Server | undefined;

  constructor(private readonly options: HealthServerOptions) {
    this.routes.set('/healthz', (_req, res) => this.probe(res, options.probes.live()));
    this.routes.set('/readyz', (_req, res) => this.probe(res, options.probes.ready()));
  }

  /** Adds (or replaces) a GET route; works before and after start(). */
  addRoute(path: string, handler: RouteHandler): void {
    this.routes.set(path, handler);
  }

  /** Starts listening; resolves with the bound port. */
  async start(): Promise<number> {
    if (this.server) return (this.server.address() as AddressInfo).port;
    const server = createServer((request, response) => void this.dispatch(request, response));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host ?? '127.0.0.1', () => resolve());
    });
    return (server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async dispatch(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    const handler = this.routes.get(path);
    if (!handler || (request.method !== 'GET' && request.method !== 'HEAD')) {
      response.writeHead(handler ? 405 : 404, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: handler ? 'method not allowed' : 'not found' }));
      return;
    }
    try {
      await handler(request, response);
    } catch (error) {
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: error instanceof Error ? error.message : String(error) }));
    }
  }

  private probe(response: ServerResponse, ok: boolean): void {
    response.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ ok, ...this.options.probes.details?.() }));
  }
}
