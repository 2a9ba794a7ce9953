import { test } from 'node:test';
import assert from 'node:assert/strict';
import avro from 'avsc';
import { loadMessageSchemas, MESSAGE_NAMES } from '../../../shared/messages/message-schemas.ts';
import { bundleSchema, indexNamedTypes } from '../../../shared/messages/schema-bundler.ts';

test('every bundled message schema parses alone, without the other schema files', () => {
  for (const [name, schema] of loadMessageSchemas()) {
    const type = avro.Type.forSchema(schema as avro.Schema);
    assert.equal(type.name, name);
  }
});

test('a schema that refers to another file gets the referenced type inlined at its first use', () => {
  const schemas = loadMessageSchemas();
  const retrieval = JSON.stringify(schemas.get(MESSAGE_NAMES.retrievalResult));
  assert.match(retrieval, /"name":"PromptRequest","namespace":"kpo.v1"/);
  const event = JSON.stringify(schemas.get(MESSAGE_NAMES.clientEvent));
  assert.match(event, /"name":"Usage","namespace":"kpo.v1"/);
  // AssembledPrompt uses ChatMessage twice: defined inside the inlined PromptRequest, then referred to by name.
  const assembled = JSON.stringify(schemas.get(MESSAGE_NAMES.assembledPrompt));
  assert.equal(assembled.split('"name":"ChatMessage"').length - 1, 1);
  assert.match(assembled, /"items":"kpo.v1.ChatMessage"/);
});

test('a reference to a type no file defines is refused with its name', () => {
  const root = { type: 'record', name: 'A', namespace: 'n', fields: [{ name: 'b', type: 'n.Missing' }] };
  assert.throws(() => bundleSchema(root, indexNamedTypes([root])), /unknown type n\.Missing/);
});

test('a named type defined twice is refused', () => {
  const a = { type: 'record', name: 'A', namespace: 'n', fields: [] };
  assert.throws(() => indexNamedTypes([a, { ...a }]), /n\.A is defined twice/);
});
