import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  listWorkerEndpoints,
  registerWorkerEndpoint,
} from '../../../shared/metrics/worker-endpoint-registry.ts';

test('a registered worker is listed with its metrics URL and its file is Prometheus file_sd JSON', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kpo-workers-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const registration = registerWorkerEndpoint({ stage: 'rag', target: '127.0.0.1:41234', dir });
  assert.deepEqual(JSON.parse(readFileSync(registration.file, 'utf8')), [
    { targets: ['127.0.0.1:41234'], labels: { stage: 'rag', pid: String(process.pid) } },
  ]);
  assert.deepEqual(
    listWorkerEndpoints(dir).map(({ stage, pid, metricsUrl }) => ({ stage, pid, metricsUrl })),
    [{ stage: 'rag', pid: process.pid, metricsUrl: 'http://127.0.0.1:41234/metrics' }],
  );
  registration.unregister();
  registration.unregister();
  assert.equal(existsSync(registration.file), false);
  assert.deepEqual(listWorkerEndpoints(dir), []);
});

test('files of processes that no longer run are pruned; unreadable files are skipped', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kpo-workers-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // pid 2^22+1 is above Linux's pid_max default, so no process has it.
  const dead = registerWorkerEndpoint({ stage: 'post', target: '127.0.0.1:1', dir, pid: 4_194_305 });
  writeFileSync(join(dir, 'garbage.json'), '{not json');
  assert.deepEqual(listWorkerEndpoints(dir), []);
  assert.equal(existsSync(dead.file), false);
  assert.deepEqual(listWorkerEndpoints(join(dir, 'missing')), []);
});
