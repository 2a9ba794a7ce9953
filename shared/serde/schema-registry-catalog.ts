/**
 * The Confluent-compatible schema registry side of the serde, on
 * @kafkajs/confluent-schema-registry: looks our schemas up (registering them
 * when allowed) at start, and finds any writer schema by the id in a record,
 * caching ids both ways. Unknown ids are remembered for a while, so a topic
 * full of garbage does not turn into a request per record.
 */
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import avro from 'avsc';
import { LRUCache } from 'lru-cache';
import { ExponentialBackoff, handleWhen, retry, type RetryPolicy } from 'cockatiel';
import { KpoError } from '../errors/kpo-error.ts';
import { unframeConfluent } from './confluent-wire-format.ts';
import type { FramedBody, WriterSchema } from './writer-schema-lookup.ts';
import { basicAuthorization, type RegistryCredentials } from './registry-auth-schema.ts';
import { isAuthStatus, registryAuthFailure } from './registry-auth-failure.ts';

export interface SchemaRegistryCatalogOptions {
  /** Base URL of the Confluent API, e.g. http://127.0.0.1:18081/apis/ccompat/v7 for Apicurio. */
  readonly url: string;
  /** Retries of one registry request after the first try. */
  readonly requestRetries: number;
  /** How long an id the registry does not know stays known as unknown. */
  readonly unknownIdTtlMs: number;
  /** Bound of one registry request (each try): a registry that accepts and never answers fails, not hangs. */
  readonly requestTimeoutMs: number;
  /** HTTP basic auth. Default: none. */
  readonly credentials?: RegistryCredentials;
}

function statusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null || !('status' in error)) return undefined;
  const { status } = error;
  return typeof status === 'number' ? status : undefined;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class SchemaRegistryCatalog {
  private readonly registry: SchemaRegistry;
  private readonly writers = new Map<number, WriterSchema>();
  private readonly unknownIds: LRUCache<number, true>;
  private readonly startRetries: RetryPolicy;

  constructor(private readonly options: SchemaRegistryCatalogOptions) {
    this.registry = new SchemaRegistry({
      host: options.url,
      clientId: 'kafka-prompt-orchestrator',
      ...(options.credentials === undefined
        ? {}
        : {
            auth: { username: options.credentials.username, password: options.credentials.password.reveal() },
          }),
      retry: { retries: options.requestRetries },
      // mappersmith applies a request's timeout to each try; the library has no option of its own for it.
      middlewares: [
        () => ({
          prepareRequest: (next) =>
            next().then((request) => request.enhance({ timeout: options.requestTimeoutMs })),
        }),
      ],
    });
    this.unknownIds = new LRUCache({ max: 10_000, ttl: options.unknownIdTtlMs });
    // A slow or restarting registry at start (a cold one can take seconds for its first write, and the
    // library does not retry a timed-out request): requestRetries more tries. Registering is idempotent.
    this.startRetries = retry(
      handleWhen((error) => error instanceof KpoError && error.retryable),
      {
        maxAttempts: options.requestRetries,
        backoff: new ExponentialBackoff({ initialDelay: 200, maxDelay: 2_000 }),
      },
    );
  }

  /**
   * The id of `schema` under `subject`: looked up, or registered when
   * `register` is true and the subject does not hold it yet. The id is then
   * cached with `type` as its writer schema, so our own records never cost a
   * registry request to decode.
   */
  async idFor(subject: string, schema: string, type: avro.Type, register: boolean): Promise<number> {
    const id = await this.startRetries.execute(() => this.lookUpOrRegister(subject, schema, register));
    this.writers.set(id, { key: `id:${id}`, label: `schema id ${id}`, type });
    return id;
  }

  private async lookUpOrRegister(subject: string, schema: string, register: boolean): Promise<number> {
    try {
      return await this.registry.getRegistryIdBySchema(subject, { type: SchemaType.AVRO, schema });
    } catch (error) {
      // The library turns the registry's 404 (subject or schema not found) into this exact class.
      const notFound = error instanceof Error && error.name === 'ConfluentSchemaRegistryError';
      if (!notFound) throw this.registryError(`looking up ${subject}`, error);
      if (!register) {
        throw new KpoError(
          'KPO_REGISTRY',
          `subject ${subject} does not hold our schema and registering is off`,
          {
            cause: error,
          },
        );
      }
      return this.register(subject, schema);
    }
  }

  /**
   * POST /subjects/{subject}/versions directly: the library's register()
   * insists that the subject's compatibility level equal the one it asks for,
   * and Apicurio's ccompat API answers GET /config/{subject} with its global
   * level ("NONE"), so the library refuses. Compatibility stays whatever the
   * registry is configured with; our CI checks evolution itself.
   */
  private async register(subject: string, schema: string): Promise<number> {
    const url = `${this.options.url.replace(/\/+$/, '')}/subjects/${encodeURIComponent(subject)}/versions`;
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/vnd.schemaregistry.v1+json',
          ...(this.options.credentials === undefined
            ? {}
            : { authorization: basicAuthorization(this.options.credentials) }),
        },
        body: JSON.stringify({ schema }),
        signal: AbortSignal.timeout(this.options.requestTimeoutMs),
      });
    } catch (error) {
      throw this.registryError(`registering ${subject}`, error);
    }
    const text = await response.text();
    if (isAuthStatus(response.status)) {
      throw registryAuthFailure(this.options.url, response.status, this.options.credentials);
    }
    if (!response.ok) {
      throw new KpoError(
        'KPO_REGISTRY',
        `registering ${subject} failed with HTTP ${response.status}: ${text}`,
        {
          retryable: response.status >= 500,
        },
      );
    }
    const { id } = JSON.parse(text) as { id?: unknown };
    if (typeof id !== 'number')
      throw new KpoError('KPO_REGISTRY', `registering ${subject} returned no id: ${text}`);
    return id;
  }

  /** The writer schema and body of a Confluent-framed value. */
  async unframe(value: Buffer): Promise<FramedBody> {
    const { schemaId, body } = unframeConfluent(value);
    return { writer: await this.writerById(schemaId), body };
  }

  private async writerById(id: number): Promise<WriterSchema> {
    const cached = this.writers.get(id);
    if (cached !== undefined) return cached;
    if (this.unknownIds.has(id)) throw this.unknownId(id);
    let schema: unknown;
    try {
      schema = await this.registry.getSchema(id);
    } catch (error) {
      if (statusOf(error) === 404) {
        this.unknownIds.set(id, true);
        throw this.unknownId(id, error);
      }
      throw this.registryError(`fetching schema id ${id}`, error);
    }
    if (!avro.Type.isType(schema)) {
      throw new KpoError('KPO_DECODE_UNKNOWN_SCHEMA', `schema id ${id} is not an Avro schema`);
    }
    const writer: WriterSchema = { key: `id:${id}`, label: `schema id ${id}`, type: schema as avro.Type };
    this.writers.set(id, writer);
    return writer;
  }

  private unknownId(id: number, cause?: unknown): KpoError {
    return new KpoError('KPO_DECODE_UNKNOWN_SCHEMA', `the registry has no schema with id ${id}`, { cause });
  }

  private registryError(what: string, error: unknown): KpoError {
    const status = statusOf(error);
    if (status !== undefined && isAuthStatus(status)) {
      return registryAuthFailure(this.options.url, status, this.options.credentials, error);
    }
    // The library reports a refused connection as status 400 with the socket error in the message.
    return new KpoError('KPO_REGISTRY', `schema registry failed ${what}: ${messageOf(error)}`, {
      retryable: true,
      cause: error,
      context: { endpoint: this.options.url },
    });
  }
}
