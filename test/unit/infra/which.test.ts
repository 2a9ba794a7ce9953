import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { whichOrUndefined } from '../../../infra/stack/which.ts';

test('whichOrUndefined skips a non-executable file and a directory of that name, as the shell does', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'kpo-which-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const [plain, folder, real] = ['plain', 'folder', 'real'].map((name) => join(root, name));
  for (const dir of [plain!, folder!, real!]) mkdirSync(dir);
  writeFileSync(join(plain!, 'redis-server'), '');
  chmodSync(join(plain!, 'redis-server'), 0o644);
  mkdirSync(join(folder!, 'redis-server'));
  writeFileSync(join(real!, 'redis-server'), '#!/bin/sh\n');
  chmodSync(join(real!, 'redis-server'), 0o755);

  assert.equal(
    whichOrUndefined('redis-server', { PATH: `${plain}:${folder}:${real}` }),
    join(real!, 'redis-server'),
  );
  assert.equal(whichOrUndefined('redis-server', { PATH: `${plain}:${folder}` }), undefined);
});
