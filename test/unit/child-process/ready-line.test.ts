import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { readyLine } from '../../../infra/child-process/ready-line.ts';
import { stopChild } from '../../../infra/child-process/stop-child.ts';

function node(script: string) {
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  return { child, lines: createInterface({ input: child.stdout }) };
}

test('readyLine resolves with the first matching line, and stopChild ends the child with SIGTERM', async () => {
  const { child, lines } = node(
    "console.log('booting'); setTimeout(() => console.log('ready on 4242'), 50); setInterval(() => {}, 1000);",
  );
  const match = await readyLine(child, {
    lines,
    pattern: /ready on (\d+)/,
    timeoutMs: 10_000,
    name: 'child',
  });
  assert.equal(match[1], '4242');
  await stopChild(child, 5_000);
  assert.equal(child.signalCode, 'SIGTERM');
});

test('readyLine rejects with the exit code when the child exits before its ready line', async () => {
  const { child, lines } = node("console.log('booting'); process.exit(3);");
  await assert.rejects(
    readyLine(child, {
      lines,
      pattern: /ready/,
      timeoutMs: 10_000,
      name: 'child',
      detail: () => ' (log: x)',
    }),
    { message: 'child exited (3) before it was ready (log: x)' },
  );
});

test('readyLine gives up after timeoutMs and SIGKILLs the child', async () => {
  const { child, lines } = node('setInterval(() => {}, 1000);');
  const exited = once(child, 'exit');
  await assert.rejects(readyLine(child, { lines, pattern: /ready/, timeoutMs: 100, name: 'child' }), {
    message: 'child was not ready within 100 ms',
  });
  await exited;
  assert.equal(child.signalCode, 'SIGKILL');
});

test('readyLine rejects with the spawn error when the program does not exist', async () => {
  const child = spawn('/nonexistent/kpo-program', [], { stdio: ['ignore', 'pipe', 'ignore'] });
  const lines = createInterface({ input: child.stdout });
  await assert.rejects(readyLine(child, { lines, pattern: /ready/, timeoutMs: 10_000, name: 'child' }), {
    code: 'ENOENT',
  });
});

test('stopChild SIGKILLs a child that ignores SIGTERM once graceMs passed', async () => {
  const { child, lines } = node(
    "process.on('SIGTERM', () => {}); console.log('up'); setInterval(() => {}, 1000);",
  );
  await readyLine(child, { lines, pattern: /up/, timeoutMs: 10_000, name: 'child' });
  await stopChild(child, 200);
  assert.equal(child.signalCode, 'SIGKILL');
});
