import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { KpoError } from '../../../shared/errors/kpo-error.ts';
import { compileOptions } from '../../../shared/options/compile-options.ts';
import { parseRagOptions } from '../../../workers/rag/options.ts';
import { compileModelCallOptions } from '../../../shared/model/model-call-options.ts';

const schema = z
  .object({
    size: z.number().int().positive().default(8),
    nested: z
      .object({ wait: z.number().min(0).default(10) })
      .strict()
      .default({ wait: 10 }),
  })
  .strict();

function refusedAt(run: () => unknown, field: string, text: RegExp): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof KpoError);
    assert.equal(error.code, 'KPO_CONFIG_INVALID');
    assert.equal(error.context.field, field);
    assert.match(error.message, text);
    return true;
  });
}

test('absent options mean every default, frozen all the way down', () => {
  const options = compileOptions(schema, undefined, { path: 'x' });
  assert.deepEqual(options, { size: 8, nested: { wait: 10 } });
  assert.ok(Object.isFrozen(options) && Object.isFrozen(options.nested));
});

test('a bad value is named by its full path, with the value and what was expected', () => {
  refusedAt(
    () => compileOptions(schema, { nested: { wait: -1 } }, { path: 'workers.demo' }),
    'workers.demo.nested.wait',
    /workers\.demo: invalid options\n {2}workers\.demo\.nested\.wait: got -1, expected/,
  );
});

test('an unknown field is named by its own path', () => {
  refusedAt(
    () => compileOptions(schema, { sise: 4 }, { path: 'workers.demo' }),
    'workers.demo.sise',
    /workers\.demo\.sise: got 4, expected no such field/,
  );
  refusedAt(() => parseRagOptions({ topk: 2 }), 'workers.rag.topk', /no such field/);
});

test('cross-field rules speak the same format', () => {
  refusedAt(
    () => compileModelCallOptions({ ttftTimeoutMs: 5000, totalTimeoutMs: 1000 }),
    'workers.inference.calls.ttftTimeoutMs',
    /ttftTimeoutMs: got 5000, expected at most totalTimeoutMs \(1000\)/,
  );
});
