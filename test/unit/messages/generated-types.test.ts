import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as prettier from 'prettier';
import { loadBundledSchemas, SCHEMAS_DIR } from '../../../shared/messages/message-schemas.ts';
import { renderMessageTypes } from '../../../shared/messages/render-message-types.ts';

const TYPES_FILE = join(SCHEMAS_DIR, '..', 'shared', 'messages', 'types.ts');

test('the committed shared/messages/types.ts is exactly what the schemas generate', () => {
  const generated = renderMessageTypes(loadBundledSchemas());
  const committed = readFileSync(TYPES_FILE, 'utf8');
  assert.equal(
    committed,
    generated,
    'shared/messages/types.ts is stale: run `npm run gen:types` and commit it',
  );
});

test('the generated types are already prettier-formatted, so formatting never makes them stale', async () => {
  const generated = renderMessageTypes(loadBundledSchemas());
  const options = (await prettier.resolveConfig(TYPES_FILE)) ?? {};
  assert.equal(await prettier.check(generated, { ...options, filepath: TYPES_FILE }), true);
});

test('every type the project codes against is generated', () => {
  const generated = renderMessageTypes(loadBundledSchemas());
  const expected = [
    'interface PromptRequest',
    'interface ChatMessage',
    'type ChatRole',
    'interface SamplingParams',
    'interface RetrievalResult',
    'interface RetrievedDocument',
    'interface AssembledPrompt',
    'interface TokenChunk',
    'interface Usage',
    'interface Timings',
    'interface ErrorInfo',
    'interface ClientEvent',
    'type ClientEventType',
    'interface Cancel',
    'interface DeadLetter',
  ];
  for (const declaration of expected) assert.match(generated, new RegExp(`export ${declaration}\\b`));
});

test('a changed schema changes the generated types (nullable union → T | null, bytes → Buffer)', () => {
  const schemas = new Map([
    [
      'x.Sample',
      {
        type: 'record',
        name: 'Sample',
        namespace: 'x',
        fields: [
          { name: 'maybe', type: ['null', 'string'], default: null },
          { name: 'blob', type: 'bytes' },
          { name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } },
          { name: 'tags', type: { type: 'map', values: { type: 'array', items: 'int' } } },
        ],
      },
    ],
  ]);
  const generated = renderMessageTypes(schemas);
  assert.match(generated, /maybe: string \| null;/);
  assert.match(generated, /blob: Buffer;/);
  assert.match(generated, /at: number;/);
  assert.match(generated, /tags: Record<string, number\[\]>;/);
});
