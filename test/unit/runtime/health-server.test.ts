import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HealthServer } from '../../../shared/http/health-server.ts';

test('/healthz and /readyz answer 200 or 503 from the probes, and extra routes can be added', async (t) => {
  let ready = false;
  const server = new HealthServer({
    port: 0,
    probes: { live: () => true, ready: () => ready, details: () => ({ state: 'x' }) },
  });
  server.addRoute('/metrics', (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('kpo_up 1\n');
  });
  const port = await server.start();
  t.after(() => server.close());
  const get = (path: string) => fetch(`http://127.0.0.1:${port}${path}`);
  assert.equal((await get('/healthz')).status, 200);
  const notReady = await get('/readyz');
  assert.equal(notReady.status, 503);
  assert.deepEqual(await notReady.json(), { ok: false, state: 'x' });
  ready = true;
  assert.equal((await get('/readyz')).status, 200);
  assert.equal(await (await get('/metrics')).text(), 'kpo_up 1\n');
  assert.equal((await get('/nope')).status, 404);
});
