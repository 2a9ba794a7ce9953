/**
 * A node:http handler serving a registry in the Prometheus text exposition
 * format, for HealthServer.addRoute('/metrics', metricsRoute(registry)).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';

export function metricsRoute(
  registry: Registry,
): (request: IncomingMessage, response: ServerResponse) => Promise<void> {
  return async (request, response) => {
    let body: string;
    try {
      body = await registry.metrics();
    } catch (error) {
      response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      response.end(`metrics collection failed: ${error instanceof Error ? error.message : String(error)}\n`);
      return;
    }
    response.writeHead(200, { 'content-type': registry.contentType });
    response.end(request.method === 'HEAD' ? undefined : body);
  };
}
