import { test } from 'node:test';
import assert from 'node:assert/strict';
import avro from 'avsc';
import { crc64Avro, crc64AvroLittleEndian } from '../../../shared/serde/crc64-avro.ts';
import { parsingCanonicalForm, singleObjectFingerprint } from '../../../shared/serde/fingerprint-catalog.ts';

test('CRC-64-AVRO of primitive schemas matches the reference values (also computed by fastavro)', () => {
  assert.equal(crc64Avro(Buffer.from('"null"')), 0x63dd24e7cc258f8an);
  assert.equal(crc64Avro(Buffer.from('"int"')), 0x7275d51a3f395c8fn);
  assert.equal(crc64AvroLittleEndian(Buffer.from('"null"')).toString('hex'), '8a8f25cce724dd63');
});

test('the fingerprint is taken over the Parsing Canonical Form: docs, defaults and spacing do not change it', () => {
  const plain = avro.Type.forSchema({ type: 'record', name: 'a.B', fields: [{ name: 'c', type: 'string' }] });
  const documented = avro.Type.forSchema({
    type: 'record',
    name: 'B',
    namespace: 'a',
    doc: 'docs are not part of the canonical form',
    fields: [{ name: 'c', type: { type: 'string' }, default: 'x', doc: 'nor are defaults' }],
  });
  assert.equal(
    parsingCanonicalForm(plain),
    '{"name":"a.B","type":"record","fields":[{"name":"c","type":"string"}]}',
  );
  assert.deepEqual(singleObjectFingerprint(documented), singleObjectFingerprint(plain));
});
