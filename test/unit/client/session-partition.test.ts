import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { partitionForKey } from '../../../shared/client/session-partition.ts';

// The reference: kafkajs's own murmur2 (the same hash as the Java client's default partitioner).
const require = createRequire(import.meta.url);
const kafkajsMurmur2 = require('kafkajs/src/producer/partitioners/default/murmur2.js') as (
  key: string | Buffer,
) => number;

test('a session maps to the same partition as the producer puts it on', () => {
  const keys = [
    '',
    'a',
    'ab',
    'abc',
    'abcd',
    'session-42',
    'ünïcødé-🙂',
    ...Array.from({ length: 500 }, (_, i) => `s-${i}`),
  ];
  for (const partitions of [1, 3, 6, 12]) {
    for (const key of keys) {
      const expected = (kafkajsMurmur2(key) & 0x7fffffff) % partitions;
      assert.equal(
        partitionForKey(key, partitions),
        expected,
        `key ${JSON.stringify(key)} over ${partitions}`,
      );
    }
  }
});

test('a partition count that is not a positive integer is refused', () => {
  assert.throws(() => partitionForKey('k', 0), /positive integer/);
});
