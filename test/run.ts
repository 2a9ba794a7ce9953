/**
 * `npm test`: the one entry point. Resolves the real services (global setup),
 * exports their endpoints, runs every *.test.ts with node's test runner, and
 * stops what it started. `--unit` runs only the tests that need no service.
 */
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { resolveServices, type ResolvedServices } from './harness/resolve-services.ts';
import { ensureInteropPython } from './harness/interop-python.ts';
import { ensurePrometheus } from './harness/prometheus-binary.ts';
import { ensureConfluentClient } from './harness/confluent-client.ts';
import { ensureRedisServer } from '../infra/stack/redis-binary.ts';
import { stackLayout } from '../infra/stack/stack-layout.ts';
import { PROJECT_ROOT } from '../shared/config/stack-endpoints.ts';

const SUITES = ['unit', 'integration', 'interop'] as const;
/** A whole test file may not take longer than this; nothing hangs. */
const FILE_TIMEOUT_MS = 10 * 60_000;

function testFiles(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return testFiles(path);
    return name.endsWith('.test.ts') ? [path] : [];
  });
}

async function main(argv: readonly string[]): Promise<number> {
  const unitOnly = argv.includes('--unit');
  const filters = argv.filter((a) => !a.startsWith('--'));
  const suites = unitOnly ? ['unit'] : SUITES;
  let files = suites.flatMap((suite) => testFiles(join(PROJECT_ROOT, 'test', suite))).sort();
  if (filters.length > 0) files = files.filter((f) => filters.some((filter) => f.includes(filter)));
  if (files.length === 0) {
    console.error('no test files matched');
    return 1;
  }

  let services: ResolvedServices | undefined;
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (!unitOnly) {
    // Programs some tests run themselves; what the machine lacks is fetched into .kpo/ once (or the setup fails here).
    const log = (line: string): void => console.log(`[setup] ${line}`);
    env.KPO_REDIS_SERVER = await ensureRedisServer(stackLayout());
    if (files.some((f) => f.includes(`${sep}observability${sep}`)))
      env.PROMETHEUS_BINARY = await ensurePrometheus(log);
    if (files.some((f) => f.includes(`${sep}interop${sep}`))) env.KPO_PYTHON = await ensureInteropPython(log);
    if (files.some((f) => f.includes('confluent')) || env.KPO_KAFKA_CLIENT === 'confluent')
      await ensureConfluentClient(log);
    services = await resolveServices();
    console.log(`[setup] services from ${services.source}: ${services.detail}`);
    console.log(
      `[setup] KAFKA_BROKERS=${services.endpoints.kafkaBrokers.join(',')} SCHEMA_REGISTRY_URL=${services.endpoints.schemaRegistryUrl} REDIS_URL=${services.endpoints.redisUrl}`,
    );
    env.KAFKA_BROKERS = services.endpoints.kafkaBrokers.join(',');
    env.SCHEMA_REGISTRY_URL = services.endpoints.schemaRegistryUrl;
    env.REDIS_URL = services.endpoints.redisUrl;
  }
  console.log(`[setup] ${files.length} test files: ${files.map((f) => relative(PROJECT_ROOT, f)).join(' ')}`);

  try {
    return await runNodeTests(files, env);
  } finally {
    await services?.teardown();
  }
}

function runNodeTests(files: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const args = [
    '--import',
    'tsx',
    '--test',
    '--test-reporter=spec',
    `--test-timeout=${FILE_TIMEOUT_MS}`,
    `--test-concurrency=${process.env.KPO_TEST_CONCURRENCY ?? '2'}`,
    ...files,
  ];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: 'inherit', env, cwd: PROJECT_ROOT });
    const forward = (signal: NodeJS.Signals): void => {
      child.kill(signal);
    };
    process.once('SIGINT', forward);
    process.once('SIGTERM', forward);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`[setup] ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
