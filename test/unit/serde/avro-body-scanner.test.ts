import { test } from 'node:test';
import assert from 'node:assert/strict';
import avro from 'avsc';
import { KpoError } from '../../../shared/errors/kpo-error.ts';
import { MAX_DEPTH, MAX_ZERO_SIZE_ITEMS, scanAvroBody } from '../../../shared/serde/avro-body-scanner.ts';

function scanError(type: avro.Type, body: Buffer): KpoError {
  try {
    scanAvroBody(type, body);
  } catch (error) {
    assert.ok(error instanceof KpoError);
    return error;
  }
  assert.fail('the scan accepted the body');
}

const linkedList = avro.Type.forSchema({
  type: 'record',
  name: 'x.Node',
  fields: [
    { name: 'label', type: 'string' },
    { name: 'next', type: ['null', 'x.Node'] },
  ],
});

function chain(length: number): unknown {
  let node: unknown = null;
  for (let index = 0; index < length; index += 1) node = { label: 'n', next: node };
  return node;
}

test('a recursive schema scans, and nesting deeper than MAX_DEPTH is refused instead of overflowing the stack', () => {
  scanAvroBody(linkedList, linkedList.toBuffer(chain(10)));
  const error = scanError(linkedList, linkedList.toBuffer(chain(MAX_DEPTH)));
  assert.equal(error.code, 'KPO_DECODE_BODY');
  assert.match(error.message, /nested deeper than/);
});

test('a huge block count of zero-size items is capped', () => {
  const nulls = avro.Type.forSchema({ type: 'array', items: 'null' });
  const count = avro.Type.forSchema('long').toBuffer(MAX_ZERO_SIZE_ITEMS + 1);
  const error = scanError(nulls, Buffer.concat([count, Buffer.from([0])]));
  assert.equal(error.code, 'KPO_DECODE_BODY');
  scanAvroBody(nulls, nulls.toBuffer(new Array(1_000).fill(null)));
});

test('negative block counts (with byte sizes) are read as the spec allows', () => {
  const ints = avro.Type.forSchema({ type: 'array', items: 'int' });
  // -2 items, block of 2 bytes: [1, 2], then the end.
  scanAvroBody(ints, Buffer.from([0x03, 0x04, 0x02, 0x04, 0x00]));
  assert.deepEqual(ints.fromBuffer(Buffer.from([0x03, 0x04, 0x02, 0x04, 0x00])), [1, 2]);
});

test('a boolean byte other than 0 or 1 and a varint longer than 10 bytes are refused', () => {
  assert.equal(scanError(avro.Type.forSchema('boolean'), Buffer.from([2])).code, 'KPO_DECODE_BODY');
  assert.equal(scanError(avro.Type.forSchema('long'), Buffer.alloc(11, 0xff)).code, 'KPO_DECODE_BODY');
});

test('a map key "__proto__" (which a JS object would silently drop) is refused', () => {
  const map = avro.Type.forSchema({ type: 'map', values: 'int' });
  const body = Buffer.concat([
    Buffer.from([0x02, 0x12]),
    Buffer.from('__proto__'),
    Buffer.from([0x02, 0x00]),
  ]);
  const error = scanError(map, body);
  assert.equal(error.code, 'KPO_DECODE_BODY');
  assert.match(error.message, /__proto__/);
});
