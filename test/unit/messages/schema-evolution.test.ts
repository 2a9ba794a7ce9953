import { test } from 'node:test';
import assert from 'node:assert/strict';
import avro from 'avsc';
import {
  latestReleasedSchemas,
  loadMessageSchemas,
  MESSAGE_NAMES,
} from '../../../shared/messages/message-schemas.ts';
import type { AvroSchemaObject } from '../../../shared/messages/schema-bundler.ts';
import { fullCompatibilityProblems } from '../../helpers/schema-compatibility.ts';

const current = loadMessageSchemas();
const released = latestReleasedSchemas();

function typeOf(schema: unknown): avro.Type {
  return avro.Type.forSchema(schema as avro.Schema);
}

function promptRequestCopy(): AvroSchemaObject & { fields: AvroSchemaObject[] } {
  return structuredClone(current.get(MESSAGE_NAMES.promptRequest)) as AvroSchemaObject & {
    fields: AvroSchemaObject[];
  };
}

test('every message kind has a released snapshot', () => {
  for (const name of Object.values(MESSAGE_NAMES))
    assert.ok(released.has(name), `schemas/released has no snapshot of ${name}`);
});

for (const [name, schema] of current) {
  test(`${name} stays FULL compatible with its last released version (new reads old, old reads new)`, () => {
    const snapshot = released.get(name);
    assert.ok(snapshot, `no released snapshot of ${name}`);
    const problems = fullCompatibilityProblems(typeOf(schema), typeOf(snapshot.schema));
    assert.deepEqual(
      problems,
      [],
      problems
        .map((p) => `${name} vs ${snapshot.file}: ${p.direction}: field ${p.field}: ${p.reason}`)
        .join('\n'),
    );
  });

  test(`${name}: data written with its last release decodes with the current schema`, () => {
    const snapshot = released.get(name);
    assert.ok(snapshot);
    const writer = typeOf(snapshot.schema);
    const reader = typeOf(schema);
    const written = writer.random() as unknown;
    const decoded = reader.fromBuffer(writer.toBuffer(written), reader.createResolver(writer)) as unknown;
    assert.ok(reader.isValid(decoded));
  });
}

test('a field added without a default breaks BACKWARD compatibility, and the problem names the field', () => {
  const broken = promptRequestCopy();
  broken.fields.push({ name: 'shardKey', type: 'string' });
  const problems = fullCompatibilityProblems(
    typeOf(broken),
    typeOf(released.get(MESSAGE_NAMES.promptRequest)?.schema),
  );
  assert.equal(problems[0]?.direction, 'BACKWARD');
  assert.equal(problems[0]?.field, 'shardKey');
  assert.match(problems[0]?.reason ?? '', /shardKey/);
});

test('a field removed that had no default breaks FORWARD compatibility, and the problem names the field', () => {
  const broken = promptRequestCopy();
  broken.fields = broken.fields.filter((field) => field.name !== 'model');
  const problems = fullCompatibilityProblems(
    typeOf(broken),
    typeOf(released.get(MESSAGE_NAMES.promptRequest)?.schema),
  );
  assert.deepEqual(
    problems.map((p) => [p.direction, p.field]),
    [['FORWARD', 'model']],
  );
});

test('a nested field whose type changes incompatibly is named by its full path', () => {
  const broken = promptRequestCopy();
  const messages = broken.fields.find((field) => field.name === 'messages') as {
    type: { items: { fields: AvroSchemaObject[] } };
  };
  messages.type.items.fields = messages.type.items.fields.map((field) =>
    field.name === 'content' ? { ...field, type: 'int' } : field,
  );
  const problems = fullCompatibilityProblems(
    typeOf(broken),
    typeOf(released.get(MESSAGE_NAMES.promptRequest)?.schema),
  );
  assert.equal(problems[0]?.field, 'messages[].content');
  assert.match(problems[0]?.reason ?? '', /messages\[\]\.content/);
});

test('a field removed that had a default, or added with one, stays compatible', () => {
  const evolved = promptRequestCopy();
  evolved.fields = evolved.fields.filter((field) => field.name !== 'priority');
  evolved.fields.push({ name: 'region', type: 'string', default: 'eu' });
  assert.deepEqual(
    fullCompatibilityProblems(typeOf(evolved), typeOf(released.get(MESSAGE_NAMES.promptRequest)?.schema)),
    [],
  );
});
