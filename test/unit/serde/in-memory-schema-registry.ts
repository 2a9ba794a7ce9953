/**
 * A tiny Confluent-API schema registry on 127.0.0.1 for unit tests of the
 * registry framing (the real Apicurio registry is used by the integration
 * tests). Schemas are the same when their Parsing Canonical Forms are.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import avro from 'avsc';

interface Stored {
  readonly id: number;
  readonly schema: string;
  readonly canonical: string;
}

export class InMemorySchemaRegistry {
  private readonly byId = new Map<number, Stored>();
  private readonly subjects = new Map<string, Stored[]>();
  private nextId = 1;
  requests = 0;
  private server: Server | undefined;

  /** Stores a schema under a subject, as another producer would; returns its id. */
  add(subject: string, schema: unknown): number {
    const text = typeof schema === 'string' ? schema : JSON.stringify(schema);
    const canonical = JSON.stringify(avro.Type.forSchema(JSON.parse(text) as avro.Schema).schema());
    const existing = [...this.byId.values()].find((stored) => stored.canonical === canonical);
    const stored = existing ?? { id: this.nextId++, schema: text, canonical };
    this.byId.set(stored.id, stored);
    const versions = this.subjects.get(subject) ?? [];
    if (!versions.some((version) => version.id === stored.id)) versions.push(stored);
    this.subjects.set(subject, versions);
    return stored.id;
  }

  async start(): Promise<string> {
    this.server = createServer((request, response) => {
      this.requests += 1;
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      request.on('end', () => {
        const [status, payload] = this.handle(request.method ?? 'GET', request.url ?? '/', body);
        response.writeHead(status, { 'content-type': 'application/vnd.schemaregistry.v1+json' });
        response.end(JSON.stringify(payload));
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private handle(method: string, url: string, body: string): [number, unknown] {
    const path = decodeURIComponent(url.split('?')[0] ?? '/');
    const byId = /^\/schemas\/ids\/(\d+)$/.exec(path);
    if (method === 'GET' && byId) {
      const stored = this.byId.get(Number(byId[1]));
      return stored
        ? [200, { schema: stored.schema }]
        : [404, { error_code: 40403, message: 'Schema not found' }];
    }
    const register = /^\/subjects\/([^/]+)\/versions$/.exec(path);
    if (method === 'POST' && register?.[1]) {
      return [200, { id: this.add(register[1], (JSON.parse(body) as { schema: string }).schema) }];
    }
    const lookup = /^\/subjects\/([^/]+)$/.exec(path);
    if (method === 'POST' && lookup?.[1]) {
      const versions = this.subjects.get(lookup[1]);
      if (!versions) return [404, { error_code: 40401, message: 'Subject not found' }];
      const schema = (JSON.parse(body) as { schema: string }).schema;
      const canonical = JSON.stringify(avro.Type.forSchema(JSON.parse(schema) as avro.Schema).schema());
      const index = versions.findIndex((version) => version.canonical === canonical);
      const found = versions[index];
      if (!found) return [404, { error_code: 40403, message: 'Schema not found' }];
      return [200, { subject: lookup[1], id: found.id, version: index + 1, schema: found.schema }];
    }
    return [404, { error_code: 404, message: `no route ${method} ${path}` }];
  }
}
