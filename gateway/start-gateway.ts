/**
 * A running gateway from the pipeline config and the environment: the
 * pipeline client, API keys (KPO_GATEWAY_KEYS / KPO_GATEWAY_KEYS_FILE),
 * per-tenant limits (KPO_GATEWAY_RPM / KPO_GATEWAY_TPM, kept in the
 * pipeline's Redis), the model list, then the HTTP server. Used by
 * `kpo gateway`, `kpo up --gateway`, the tests and the bench.
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { PipelineConfig } from '../shared/config/pipeline-config-schema.ts';
import { KpoError } from '../shared/errors/kpo-error.ts';
import { createRedisConnection } from '../shared/redis/redis-connection.ts';
import { RedisKeyNamespace } from '../shared/redis/redis-key-namespace.ts';
import { checkRedisConnection } from '../shared/redis/redis-connection-check.ts';
import { resolveRedisSecurity } from '../shared/redis/redis-security.ts';
import { createCliContext, createPromptClient } from '../cli/cli-context.ts';
import { ApiKeyTable } from './api-keys.ts';
import { createGatewayServer, type GatewayServer } from './gateway-server.ts';
import { ModelCatalog } from './model-catalog.ts';
import { TenantRateLimiter } from './tenant-rate-limiter.ts';

export interface StartGatewayOptions {
  readonly config: PipelineConfig;
  /** 0 = any free port. */
  readonly port: number;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Where keys and limits are read from. Default process.env. */
  readonly env?: NodeJS.ProcessEnv;
  /** Name of this replica, in Kafka client ids. Default "kpo-gateway". */
  readonly replicaName?: string;
  readonly logger?: Logger;
  /** Longest a request waits for its next event. Default 120000 ms. */
  readonly eventTimeoutMs?: number;
}

export interface RunningGateway {
  readonly url: string;
  readonly server: GatewayServer;
  stop(): Promise<void>;
}

/** Bound of the start's Redis check. */
const REDIS_CHECK_TIMEOUT_MS = 15_000;

export async function startGateway(options: StartGatewayOptions): Promise<RunningGateway> {
  const env = options.env ?? process.env;
  const limits = {
    requestsPerMinute: nonNegativeInt(env, 'KPO_GATEWAY_RPM'),
    tokensPerMinute: nonNegativeInt(env, 'KPO_GATEWAY_TPM'),
  };
  const apiKeys = ApiKeyTable.fromEnv(env);
  let redis: Redis | undefined;
  let rateLimiter: TenantRateLimiter | undefined;
  if (limits.requestsPerMinute > 0 || limits.tokensPerMinute > 0) {
    const url = options.config.endpoints.redisUrl;
    if (!url) {
      throw new KpoError(
        'KPO_CONFIG_INVALID',
        'per-tenant limits need Redis: set REDIS_URL or run the local stack',
        {
          context: { field: 'endpoints.redisUrl' },
        },
      );
    }
    const security = resolveRedisSecurity(options.config.redis, url, env);
    // One bounded try first: wrong settings end the start with a line naming them, not endless reconnects.
    await checkRedisConnection(url, security, REDIS_CHECK_TIMEOUT_MS);
    redis = createRedisConnection({ url, security });
    await redis.connect();
    rateLimiter = new TenantRateLimiter(redis, limits, new RedisKeyNamespace(options.config.redisKeyPrefix));
  }
  const context = await createCliContext(options.replicaName ?? 'kpo-gateway', options.config);
  const server = createGatewayServer({
    submitter: createPromptClient(context, options.eventTimeoutMs),
    models: ModelCatalog.fromConfig(options.config),
    ...(apiKeys ? { apiKeys } : {}),
    ...(rateLimiter ? { rateLimiter } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  });
  try {
    const url = await server.listen(options.port, options.host);
    return {
      url,
      server,
      async stop() {
        await server.close();
        redis?.disconnect();
      },
    };
  } catch (error) {
    await server.close().catch(() => undefined);
    redis?.disconnect();
    throw error;
  }
}

function nonNegativeInt(env: NodeJS.ProcessEnv, name: string): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return 0;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    throw new KpoError('KPO_CONFIG_INVALID', `${name} must be a non-negative integer, got "${raw}"`, {
      context: { field: name },
    });
  }
  return value;
}
