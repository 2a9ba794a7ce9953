import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAlive, stopProcess } from '../../../infra/stack/service-process.ts';
import { KpoError } from '../../../shared/errors/kpo-error.ts';
import { waitFor } from '../../helpers/wait-for.ts';

function pidFileIn(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'kpo-service-process-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'service.pid');
}

test('stopProcess SIGKILLs a process that ignores SIGTERM once graceMs passed, and removes its pid file', async (t) => {
  // An ignored signal stays ignored across exec, so neither sh nor its sleeps end on SIGTERM.
  const child = spawn('sh', ['-c', 'trap "" TERM; echo trapped; while :; do sleep 1; done'], {
    detached: true,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  t.after(() => child.kill('SIGKILL'));
  await once(child.stdout, 'data', { signal: AbortSignal.timeout(5_000) }); // the trap is set
  const pidFile = pidFileIn(t);
  writeFileSync(pidFile, String(child.pid));

  const started = Date.now();
  assert.equal(await stopProcess(pidFile, 300, 5_000), true);
  assert.ok(Date.now() - started >= 300, 'waited graceMs before the SIGKILL');
  assert.equal(child.signalCode ?? (await once(child, 'exit'))[1], 'SIGKILL');
  assert.equal(existsSync(pidFile), false);
});

test('stopProcess gives up with KPO_STACK_STOP when the process is still there killWaitMs after SIGKILL', async (t) => {
  // A zombie: sh starts a background sleep, then becomes a `sleep` that never reaps it. Once signalled it
  // stays in the process table (kill(pid, 0) succeeds) until its parent goes.
  const parent = spawn('sh', ['-c', 'sleep 30 & echo $!; exec sleep 60'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  t.after(() => parent.kill('SIGKILL'));
  const [line] = (await once(parent.stdout, 'data', { signal: AbortSignal.timeout(5_000) })) as [Buffer];
  const zombie = Number(line.toString('utf8').trim());
  const pidFile = pidFileIn(t);
  writeFileSync(pidFile, String(zombie));

  await assert.rejects(stopProcess(pidFile, 100, 200), (error: unknown) => {
    assert.ok(error instanceof KpoError);
    assert.equal(error.code, 'KPO_STACK_STOP');
    assert.match(error.message, new RegExp(`process ${zombie} .* still exists 200 ms after SIGKILL`));
    return true;
  });
  assert.equal(existsSync(pidFile), true, 'the pid file stays for the person who looks');

  parent.kill('SIGKILL'); // the zombie's parent goes: init reaps it
  await waitFor(() => !isAlive(zombie), { timeoutMs: 5_000, what: `zombie ${zombie} reaped` });
});
