/**
 * Before a command starts its real work: the services it needs answer, and the
 * topics it reads or writes exist — each check bounded, so a broker that is
 * down, a registry or Redis that accepts connections and never answers, or a
 * missing topic ends the command with one line saying what and how to fix it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { PipelineConfig } from '../shared/config/pipeline-config-schema.ts';
import { readStackEndpoints } from '../shared/config/stack-endpoints.ts';
import { KpoError } from '../shared/errors/kpo-error.ts';
import { createKafkaClient } from '../shared/kafka/create-kafka-client.ts';
import { resolveKafkaSecurity } from '../shared/kafka/kafka-security.ts';
import { checkBrokerHandshake } from '../shared/kafka/broker-handshake.ts';
import { checkRedisConnection } from '../shared/redis/redis-connection-check.ts';
import { resolveRedisSecurity } from '../shared/redis/redis-security.ts';
import { isAuthStatus, registryAuthFailure } from '../shared/serde/registry-auth-failure.ts';
import {
  basicAuthorization,
  resolveRegistryCredentials,
  type RegistryCredentials,
} from '../shared/serde/registry-auth-schema.ts';
import { requireBrokers } from './cli-context.ts';

/** Per service; generous for a busy machine, short enough that nobody waits on a dead one. */
export const SERVICE_CHECK_TIMEOUT_MS = 15_000;

export interface ServiceNeeds {
  /** The broker. Default true (always, when topics are named). */
  readonly kafka?: boolean;
  /** Topics that must exist. */
  readonly topics?: readonly string[];
  /** The schema registry, when one is configured. */
  readonly registry?: boolean;
  /** Redis (endpoints.redisUrl / REDIS_URL must be set). */
  readonly redis?: boolean;
}

export async function checkServices(
  config: PipelineConfig,
  needs: ServiceNeeds,
  timeoutMs = SERVICE_CHECK_TIMEOUT_MS,
): Promise<void> {
  await Promise.all([
    needs.kafka !== false || needs.topics?.length
      ? checkKafka(config, needs.topics ?? [], timeoutMs)
      : undefined,
    needs.registry
      ? checkRegistry(
          config.endpoints.schemaRegistryUrl,
          resolveRegistryCredentials(config.schemaRegistry),
          timeoutMs,
        )
      : undefined,
    needs.redis ? checkRedis(config, timeoutMs) : undefined,
  ]);
}

/**
 * For `kpo up` / `kpo demo`: the configured endpoints that are not the local stack's (which the command starts
 * itself) must answer before workers are spawned against them.
 */
export async function checkServicesOutsideStack(config: PipelineConfig): Promise<void> {
  const stack = readStackEndpoints();
  const { kafkaBrokers, schemaRegistryUrl, redisUrl } = config.endpoints;
  await checkServices(config, {
    kafka: kafkaBrokers !== undefined && kafkaBrokers[0] !== stack?.kafkaBroker,
    registry: schemaRegistryUrl !== undefined && schemaRegistryUrl !== stack?.schemaRegistryUrl,
    redis: redisUrl !== undefined && redisUrl !== stack?.redisUrl,
  });
}

async function checkKafka(
  config: PipelineConfig,
  topics: readonly string[],
  timeoutMs: number,
): Promise<void> {
  const brokers = requireBrokers(config);
  const security = resolveKafkaSecurity(config.kafka);
  const admin = createKafkaClient({
    brokers,
    clientId: 'kpo-check',
    logLevel: 'nothing',
    security,
  }).createAdmin();
  const where = brokers.join(',');
  const fix = 'Fix: start it (npm run stack -- up) or set KAFKA_BROKERS';
  let existing: Set<string>;
  try {
    const unanswered = (): KpoError =>
      new KpoError('KPO_KAFKA', `Kafka at ${where} did not answer within ${timeoutMs / 1000} s. ${fix}`, {
        context: { endpoint: where },
      });
    existing = new Set(
      await within(
        timeoutMs,
        unanswered,
        Promise.race([
          admin.connect().then(() => admin.listTopics()),
          // Wrong TLS settings fail here in milliseconds, where the client would retry for tens of seconds.
          checkBrokerHandshake(brokers[0]!, security, timeoutMs).then(
            () => new Promise<never>(() => undefined),
          ),
        ]),
      ),
    );
  } catch (cause) {
    if (cause instanceof KpoError && (cause.context.endpoint === where || cause.code === 'KPO_KAFKA_AUTH')) {
      throw cause;
    }
    if (isSaslFailure(cause)) {
      const { sasl } = config.kafka;
      throw new KpoError(
        'KPO_KAFKA_AUTH',
        `Kafka at ${where} refused the SASL credentials of user ${sasl?.username ?? '?'} (${sasl?.mechanism ?? '?'}). Fix: check KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD (or kafka.sasl.passwordFile)`,
        { cause, context: { endpoint: where } },
      );
    }
    throw new KpoError('KPO_KAFKA', `Kafka at ${where} is unreachable (${reasonOf(cause)}). ${fix}`, {
      cause,
      context: { endpoint: where },
    });
  } finally {
    void admin.close().catch(() => undefined);
  }
  const missing = topics.filter((topic) => !existing.has(topic));
  if (missing.length > 0) {
    throw new KpoError(
      'KPO_TOPIC_MISSING',
      `topic${missing.length > 1 ? 's' : ''} ${missing.join(', ')} missing on ${where}. Fix: kpo topics --create`,
      { context: { topic: missing[0]! } },
    );
  }
}

/** kafkajs gives up at once on a refused login and says so in the error's name. */
function isSaslFailure(cause: unknown): boolean {
  for (let error = cause; error instanceof Error; error = error.cause) {
    if (error.name === 'KafkaJSSASLAuthenticationError') return true;
  }
  return false;
}

function reasonOf(cause: unknown): string {
  return (cause instanceof Error ? cause.message : String(cause)).split('\n')[0]!;
}

async function checkRegistry(
  url: string | undefined,
  credentials: RegistryCredentials | undefined,
  timeoutMs: number,
): Promise<void> {
  if (url === undefined || url === 'none') return;
  const fix = 'Fix: start it (npm run stack -- up), set SCHEMA_REGISTRY_URL, or SCHEMA_REGISTRY_URL=none';
  let response: Response;
  try {
    response = await fetch(`${url.replace(/\/$/, '')}/subjects`, {
      signal: AbortSignal.timeout(timeoutMs),
      ...(credentials === undefined ? {} : { headers: { authorization: basicAuthorization(credentials) } }),
    });
    await response.arrayBuffer();
  } catch (cause) {
    const reason =
      cause instanceof Error && cause.name === 'TimeoutError'
        ? `did not answer within ${timeoutMs / 1000} s`
        : `is unreachable (${reasonOf(cause)})`;
    throw new KpoError('KPO_REGISTRY', `schema registry at ${url} ${reason}. ${fix}`, {
      cause,
      context: { endpoint: url },
    });
  }
  if (isAuthStatus(response.status)) throw registryAuthFailure(url, response.status, credentials);
  if (!response.ok)
    throw new KpoError('KPO_REGISTRY', `schema registry at ${url} answered HTTP ${response.status}. ${fix}`, {
      context: { endpoint: url },
    });
}

async function checkRedis(config: PipelineConfig, timeoutMs: number): Promise<void> {
  const url = config.endpoints.redisUrl;
  if (url === undefined) {
    throw new KpoError(
      'KPO_CONFIG_INVALID',
      'no Redis configured. Fix: set REDIS_URL or endpoints.redisUrl',
      {
        context: { field: 'endpoints.redisUrl' },
      },
    );
  }
  await checkRedisConnection(url, resolveRedisSecurity(config.redis, url), timeoutMs);
}

/** The operation's result, or `timedOut()` thrown once timeoutMs has passed (the operation is abandoned). */
async function within<T>(timeoutMs: number, timedOut: () => Error, operation: Promise<T>): Promise<T> {
  const timer = new AbortController();
  try {
    return await Promise.race([
      operation,
      sleep(timeoutMs, undefined, { signal: timer.signal }).then(() => {
        throw timedOut();
      }),
    ]);
  } finally {
    timer.abort();
  }
}
