/**
 * docker-compose.yml can't run on machines without Docker, so this checks it
 * against the code instead: every stage has a service, every environment name
 * is one the code reads, the files it mounts or runs exist.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { STAGE_NAMES } from '../../../shared/config/pipeline-config-schema.ts';
import { CONFIG_ENV_NAMES, loadPipelineConfig } from '../../../shared/config/load-pipeline-config.ts';
import { PROJECT_ROOT } from '../../../shared/config/stack-endpoints.ts';

interface ComposeService {
  readonly image?: string;
  readonly build?: string;
  readonly command?: readonly string[];
  readonly entrypoint?: readonly string[];
  readonly environment?: Readonly<Record<string, string>>;
  readonly volumes?: readonly string[];
}

const compose = parse(readFileSync(join(PROJECT_ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, ComposeService>;
};
const services = compose.services;

test('every pipeline stage has a worker service built from the repo', () => {
  for (const stage of STAGE_NAMES) {
    const service = services[stage];
    assert.ok(service, `no service for stage ${stage}`);
    assert.equal(service.build, '.');
    assert.deepEqual(service.command, ['worker', stage]);
  }
  assert.ok(existsSync(join(PROJECT_ROOT, 'Dockerfile')));
});

test('the gateway service serves the OpenAI-compatible API on a published port, configured like the workers', () => {
  const gateway = services.gateway;
  assert.ok(gateway, 'no gateway service');
  assert.equal(gateway.build, '.');
  assert.deepEqual(gateway.command?.slice(0, 1), ['gateway']);
  const env = gateway.environment ?? {};
  for (const required of [
    'KAFKA_BROKERS',
    'SCHEMA_REGISTRY_URL',
    'REDIS_URL',
    'MODEL_ENDPOINTS',
    'MODEL_NAMES',
  ]) {
    assert.ok(env[required], `gateway: ${required} missing`);
  }
  for (const name of Object.keys(env).filter((n) => n.startsWith('KPO_GATEWAY_'))) {
    assert.ok(
      ['KPO_GATEWAY_KEYS', 'KPO_GATEWAY_RPM', 'KPO_GATEWAY_TPM'].includes(name),
      `gateway: ${name} is not read`,
    );
  }
});

test('the infrastructure services are there: Kafka, a schema registry, Redis, Prometheus, Grafana, a trace backend, the model simulator', () => {
  for (const name of [
    'kafka',
    'schema-registry',
    'redis',
    'prometheus',
    'grafana',
    'jaeger',
    'model-sim-0',
  ]) {
    assert.ok(services[name], `no ${name} service`);
  }
});

test('workers are configured only through environment names the code reads', () => {
  const known = new Set<string>(CONFIG_ENV_NAMES);
  for (const stage of STAGE_NAMES) {
    const env = services[stage]?.environment ?? {};
    for (const name of Object.keys(env))
      assert.ok(known.has(name), `${stage}: ${name} is not read by the code`);
    for (const required of ['KAFKA_BROKERS', 'SCHEMA_REGISTRY_URL', 'REDIS_URL', 'MODEL_ENDPOINTS']) {
      assert.ok(env[required], `${stage}: ${required} missing`);
    }
  }
});

test('the compose environment yields a valid pipeline config with the pipeline topics', () => {
  const env = services.inference?.environment ?? {};
  const configPath = env.KPO_CONFIG?.replace('/app/', '') ?? 'pipeline.yaml';
  const config = loadPipelineConfig({ path: join(PROJECT_ROOT, configPath), env });
  assert.deepEqual(config.endpoints.kafkaBrokers, ['kafka:9092']);
  assert.equal(config.models.length, 2);
  assert.equal(config.topics.prompts, 'llm.prompts');
  assert.equal(config.topics.output, 'llm.output');
});

test('files the compose services mount or run exist in the repo', () => {
  for (const [name, service] of Object.entries(services)) {
    for (const volume of service.volumes ?? []) {
      const hostPath = volume.split(':')[0]!;
      if (hostPath.startsWith('./'))
        assert.ok(existsSync(join(PROJECT_ROOT, hostPath)), `${name} mounts ${hostPath}`);
    }
    const script = service.entrypoint?.find((part) => part.endsWith('.ts'));
    if (script) assert.ok(existsSync(join(PROJECT_ROOT, script)), `${name} runs ${script}`);
  }
});

test('Prometheus in compose scrapes every stage worker where the worker serves /metrics', () => {
  const scrape = readFileSync(join(PROJECT_ROOT, 'infra', 'prometheus', 'prometheus-compose.yml'), 'utf8');
  const env = services.inference?.environment ?? {};
  const config = loadPipelineConfig({ path: join(PROJECT_ROOT, env.KPO_CONFIG!.replace('/app/', '')), env });
  for (const stage of STAGE_NAMES) {
    const { httpPort, httpHost } = config.stages[stage];
    assert.equal(httpHost, '0.0.0.0', `${stage} must listen beyond the container's loopback`);
    assert.match(
      scrape,
      new RegExp(`names: \\[${stage}\\], type: A, port: ${httpPort} `),
      `${stage} scraped on ${httpPort}`,
    );
  }
});
