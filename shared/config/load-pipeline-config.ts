/**
 * Loads the pipeline file (YAML or TOML), applies environment overrides for
 * endpoints and secrets, validates, and freezes. A bad file fails with every
 * offending field named, its value, and what was expected.
 */
import { readFileSync, existsSync } from 'node:fs';
import { dirname, extname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { parse as parseToml } from 'smol-toml';
import { KpoError } from '../errors/kpo-error.ts';
import { compileOptions } from '../options/compile-options.ts';
import { deepFreeze } from '../options/deep-freeze.ts';
import { pipelineConfigSchema, type PipelineConfig } from './pipeline-config-schema.ts';
import { applyKafkaEnv, KAFKA_ENV_NAMES } from '../kafka/kafka-connection-schema.ts';
import { applyRedisEnv, REDIS_ENV_NAMES } from '../redis/redis-connection-schema.ts';
import { applyRegistryAuthEnv, REGISTRY_AUTH_ENV_NAMES } from '../serde/registry-auth-schema.ts';
import { readStackEndpoints, stackKafkaBrokers } from './stack-endpoints.ts';
import { isRecord } from '../options/is-record.ts';

export const DEFAULT_CONFIG_PATH = 'pipeline.yaml';

/** Every environment name the configuration reads; docker-compose.yml is checked against this list. */
export const CONFIG_ENV_NAMES = [
  'KPO_CONFIG',
  'KAFKA_BROKERS',
  'SCHEMA_REGISTRY_URL',
  'REDIS_URL',
  'OTEL_EXPORTER_OTLP_ENDPOINT',
  'MODEL_ENDPOINTS',
  'MODEL_NAMES',
  'MODEL_API_KEY',
  'MODEL_CONTINUATION',
  ...KAFKA_ENV_NAMES,
  ...REDIS_ENV_NAMES,
  ...REGISTRY_AUTH_ENV_NAMES,
] as const;

export interface LoadOptions {
  /** Path of the pipeline file; default $KPO_CONFIG or ./pipeline.yaml (absent = all defaults). */
  readonly path?: string;
  /** Environment to read overrides from; default process.env. */
  readonly env?: NodeJS.ProcessEnv;
}

export function loadPipelineConfig(options: LoadOptions = {}): PipelineConfig {
  const env = options.env ?? process.env;
  const path = options.path ?? env.KPO_CONFIG ?? DEFAULT_CONFIG_PATH;
  const raw = existsSync(path) ? parseFile(path) : options.path ? missingFile(path) : {};
  return parsePipelineConfig(withModulePathsFrom(dirname(resolve(path)), raw), env, path);
}

/** A graph node's module path (`uses: ./my-stage.ts`) is relative to the pipeline file's folder. */
function withModulePathsFrom(folder: string, raw: unknown): unknown {
  if (!isRecord(raw) || !Array.isArray(raw.graph)) return raw;
  const graph = raw.graph.map((node: unknown) =>
    isRecord(node) && typeof node.uses === 'string' && node.uses.startsWith('.')
      ? { ...node, uses: resolve(folder, node.uses) }
      : node,
  );
  return { ...raw, graph };
}

/** Validates an already-parsed document; exported for tests and for callers with inline config. */
export function parsePipelineConfig(
  raw: unknown,
  env: NodeJS.ProcessEnv = {},
  source = '<inline>',
): PipelineConfig {
  const config = compileOptions(pipelineConfigSchema, applyEnvOverrides(raw, env), { path: '', source });
  return deepFreeze(withStackEndpoints(config));
}

function parseFile(path: string): unknown {
  const text = readFileSync(path, 'utf8');
  try {
    return extname(path) === '.toml' ? parseToml(text) : (parseYaml(text) as unknown);
  } catch (cause) {
    throw new KpoError(
      'KPO_CONFIG_INVALID',
      `${path}: not valid ${extname(path) === '.toml' ? 'TOML' : 'YAML'}`,
      {
        cause,
        context: { field: '<file>' },
      },
    );
  }
}

function missingFile(path: string): never {
  throw new KpoError('KPO_CONFIG_INVALID', `${path}: no such pipeline file`, {
    context: { field: '<file>' },
  });
}

/** Environment names win over the file, so secrets and endpoints never need to live in it. */
function applyEnvOverrides(raw: unknown, env: NodeJS.ProcessEnv): unknown {
  const doc: Record<string, unknown> = isRecord(raw) ? { ...raw } : {};
  const endpoints: Record<string, unknown> = isRecord(doc.endpoints) ? { ...doc.endpoints } : {};
  if (env.KAFKA_BROKERS) endpoints.kafkaBrokers = env.KAFKA_BROKERS.split(',').map((b) => b.trim());
  if (env.SCHEMA_REGISTRY_URL) endpoints.schemaRegistryUrl = env.SCHEMA_REGISTRY_URL;
  if (env.REDIS_URL) endpoints.redisUrl = env.REDIS_URL;
  if (env.OTEL_EXPORTER_OTLP_ENDPOINT) endpoints.otlpEndpoint = env.OTEL_EXPORTER_OTLP_ENDPOINT;
  doc.endpoints = endpoints;
  doc.kafka = applyKafkaEnv(doc.kafka, env);
  doc.redis = applyRedisEnv(doc.redis, env);
  doc.schemaRegistry = applyRegistryAuthEnv(doc.schemaRegistry, env);
  // MODEL_ENDPOINTS=http://a:8000,http://b:8000 replaces the file's models with OpenAI-compatible endpoints;
  // MODEL_NAMES=a,b says which model names they serve (default: any); MODEL_CONTINUATION=true says
  // they continue a partial answer (vLLM, SGLang, the simulator, infra/local-model), so a crash mid-answer resumes.
  if (env.MODEL_ENDPOINTS) {
    const models = list(env.MODEL_NAMES);
    const continuation = env.MODEL_CONTINUATION === 'true';
    doc.models = list(env.MODEL_ENDPOINTS).map((url, index) => ({
      name: `model-${index}`,
      kind: 'openai',
      url,
      models,
      ...(continuation ? { continuation } : {}),
    }));
  }
  if (env.MODEL_API_KEY && Array.isArray(doc.models)) {
    doc.models = doc.models.map((m: unknown) => (isRecord(m) ? { ...m, apiKey: env.MODEL_API_KEY } : m));
  }
  return doc;
}

/** Endpoints nobody configured come from the local stack, when it runs. */
function withStackEndpoints(config: PipelineConfig): PipelineConfig {
  const e = config.endpoints;
  if (e.kafkaBrokers && e.schemaRegistryUrl && e.redisUrl) return config;
  const stack = readStackEndpoints();
  if (!stack) return config;
  return {
    ...config,
    endpoints: {
      ...e,
      kafkaBrokers: e.kafkaBrokers ?? [...stackKafkaBrokers(stack)],
      schemaRegistryUrl: e.schemaRegistryUrl ?? stack.schemaRegistryUrl,
      redisUrl: e.redisUrl ?? stack.redisUrl,
    },
  };
}

function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}
