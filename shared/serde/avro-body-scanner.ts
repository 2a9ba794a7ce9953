/**
 * Walks an Avro binary body along its writer schema before avsc decodes it,
 * without building values. It catches what avsc would let through or choke on:
 * - invalid UTF-8 in a string or map key (avsc replaces it with U+FFFD) →
 *   KPO_INVALID_UTF8;
 * - lengths and block counts larger than the bytes left (avsc would loop over
 *   a garbage count of 2^50 items), unknown union branches or enum symbols,
 *   truncation, trailing bytes, nesting past MAX_DEPTH → KPO_DECODE_BODY.
 * Every error names the field being read in context.field.
 */
import { isUtf8 } from 'node:buffer';
import avro from 'avsc';
import { KpoError } from '../errors/kpo-error.ts';

/** Deeper nesting than this is refused (only recursive foreign schemas get near it). */
export const MAX_DEPTH = 64;
/** Block items of types that take no bytes (null) are capped, so a count alone cannot allocate without bound. */
export const MAX_ZERO_SIZE_ITEMS = 1_000_000;

/** Strings up to this many bytes get a JS ASCII check before the native UTF-8 check. */
const SHORT_STRING_BYTES = 64;

type PathSegment = string | number;

class BodyCursor {
  position = 0;
  readonly path: PathSegment[] = [];

  constructor(readonly body: Buffer) {}

  get remaining(): number {
    return this.body.length - this.position;
  }

  fieldPath(): string {
    let path = '';
    for (const segment of this.path) {
      path += typeof segment === 'number' ? `[${segment}]` : path === '' ? segment : `.${segment}`;
    }
    return path === '' ? '(root)' : path;
  }

  fail(reason: string, code: 'KPO_DECODE_BODY' | 'KPO_INVALID_UTF8' = 'KPO_DECODE_BODY'): never {
    const field = this.fieldPath();
    throw new KpoError(code, `${reason} at byte ${this.position} of the body, in ${field}`, {
      context: { field },
    });
  }

  /** A zig-zag varint as a JS number (exact up to 2^53, which is all any length or count can need). */
  readLong(): number {
    let result = 0;
    let multiplier = 1;
    for (let index = 0; index < 10; index += 1) {
      const byte = this.body[this.position];
      if (byte === undefined) this.fail('body ends inside a number');
      this.position += 1;
      result += (byte & 0x7f) * multiplier;
      if ((byte & 0x80) === 0) return result % 2 === 0 ? result / 2 : -(result + 1) / 2;
      multiplier *= 128;
    }
    return this.fail('a number longer than 10 bytes');
  }

  skip(bytes: number, what: string): void {
    if (bytes > this.remaining) this.fail(`${what} of ${bytes} bytes, but only ${this.remaining} are left`);
    this.position += bytes;
  }

  readLength(what: string): number {
    const length = this.readLong();
    if (length < 0) this.fail(`negative ${what} length ${length}`);
    if (length > this.remaining) this.fail(`${what} of ${length} bytes, but only ${this.remaining} are left`);
    return length;
  }

  checkUtf8(length: number, what: string): void {
    const start = this.position;
    this.skip(length, what);
    if (length <= SHORT_STRING_BYTES) {
      // Short ASCII strings (IDs, roles, tags) are checked here: cheaper than a native call on a new subarray.
      let ascii = true;
      for (let index = start; index < start + length; index += 1) {
        if ((this.body[index] as number) >= 0x80) {
          ascii = false;
          break;
        }
      }
      if (ascii) return;
    }
    if (!isUtf8(this.body.subarray(start, start + length))) {
      this.position = start;
      this.fail(`${what} is not valid UTF-8`, 'KPO_INVALID_UTF8');
    }
  }
}

const minimumSizes = new WeakMap<avro.Type, number>();

/** Fewest bytes a value of `type` can take; 0 for null and for recursion in progress. */
function minimumSize(type: avro.Type, visiting: Set<avro.Type> = new Set()): number {
  const known = minimumSizes.get(type);
  if (known !== undefined) return known;
  if (visiting.has(type)) return 0;
  visiting.add(type);
  let size: number;
  if (type instanceof avro.types.LogicalType) size = minimumSize(type.underlyingType, visiting);
  else if (type instanceof avro.types.RecordType) {
    size = type.fields.reduce((sum, field) => sum + minimumSize(field.type, visiting), 0);
  } else if (type instanceof avro.types.FixedType) size = type.size;
  else if (type.typeName === 'null') size = 0;
  else if (type.typeName === 'float') size = 4;
  else if (type.typeName === 'double') size = 8;
  else size = 1; // boolean, int, long, bytes, string, enum, union, array, map
  visiting.delete(type);
  minimumSizes.set(type, size);
  return size;
}

function scanBlocks(
  cursor: BodyCursor,
  itemSize: number,
  what: string,
  scanItem: (index: number) => void,
): void {
  let index = 0;
  for (;;) {
    let count = cursor.readLong();
    if (count === 0) return;
    if (count < 0) {
      count = -count;
      cursor.readLength(`${what} block`);
    }
    const limit = itemSize > 0 ? Math.floor(cursor.remaining / itemSize) : MAX_ZERO_SIZE_ITEMS - index;
    if (count > limit)
      cursor.fail(`${what} block of ${count} items, more than the ${cursor.remaining} bytes left can hold`);
    for (let item = 0; item < count; item += 1) {
      scanItem(index);
      index += 1;
    }
  }
}

type Scanner = (cursor: BodyCursor, depth: number) => void;

const scanners = new WeakMap<avro.Type, Scanner>();

/** The scanner of `type`, compiled once per type (recursive types call back through the cache). */
function scannerFor(type: avro.Type): Scanner {
  const cached = scanners.get(type);
  if (cached !== undefined) return cached;
  // Registered before compiling, so a recursive reference finds it and calls through once compiled.
  const slot: { scan?: Scanner } = {};
  scanners.set(type, (cursor, depth) => (slot.scan as Scanner)(cursor, depth));
  slot.scan = compileScanner(type);
  scanners.set(type, slot.scan);
  return slot.scan;
}

function nested(cursor: BodyCursor, depth: number): void {
  if (depth > MAX_DEPTH) cursor.fail(`values nested deeper than ${MAX_DEPTH}`);
}

function compileScanner(type: avro.Type): Scanner {
  if (type instanceof avro.types.LogicalType) return scannerFor(type.underlyingType);
  if (type instanceof avro.types.RecordType) {
    const fields = type.fields.map((field) => ({ name: field.name, scan: scannerFor(field.type) }));
    return (cursor, depth) => {
      nested(cursor, depth);
      for (const field of fields) {
        cursor.path.push(field.name);
        field.scan(cursor, depth + 1);
        cursor.path.pop();
      }
    };
  }
  if (type instanceof avro.types.ArrayType) {
    const items = type.itemsType;
    const scanItem = scannerFor(items);
    return (cursor, depth) => {
      nested(cursor, depth);
      scanBlocks(cursor, minimumSize(items), 'array', (index) => {
        cursor.path.push(index);
        scanItem(cursor, depth + 1);
        cursor.path.pop();
      });
    };
  }
  if (type instanceof avro.types.MapType) {
    const values = type.valuesType as avro.Type;
    const scanItem = scannerFor(values);
    return (cursor, depth) => {
      nested(cursor, depth);
      scanBlocks(cursor, 1 + minimumSize(values), 'map', (index) => {
        const keyLength = cursor.readLength('map key');
        const keyStart = cursor.position;
        cursor.path.push(`<key ${index}>`);
        cursor.checkUtf8(keyLength, 'map key');
        cursor.path.pop();
        const key = cursor.body.toString('utf8', keyStart, keyStart + keyLength);
        // A JS object cannot hold "__proto__" as an own key from a plain assignment: avsc would drop it silently.
        if (key === '__proto__') cursor.fail('map key "__proto__" cannot be represented');
        cursor.path.push(key);
        scanItem(cursor, depth + 1);
        cursor.path.pop();
      });
    };
  }
  if (type instanceof avro.types.UnwrappedUnionType || type instanceof avro.types.WrappedUnionType) {
    const branches = type.types.map((branch) => scannerFor(branch));
    return (cursor, depth) => {
      const branch = cursor.readLong();
      const scan = branches[branch];
      if (scan === undefined) {
        return cursor.fail(`union branch ${branch} does not exist (${branches.length} branches)`);
      }
      scan(cursor, depth + 1);
    };
  }
  if (type instanceof avro.types.EnumType) {
    const count = type.symbols.length;
    return (cursor) => {
      const symbol = cursor.readLong();
      if (symbol < 0 || symbol >= count)
        cursor.fail(`enum index ${symbol} does not exist (${count} symbols)`);
    };
  }
  if (type instanceof avro.types.FixedType) {
    const size = type.size;
    return (cursor) => cursor.skip(size, 'fixed');
  }
  switch (type.typeName) {
    case 'null':
      return () => undefined;
    case 'boolean':
      return (cursor) => {
        const byte = cursor.body[cursor.position];
        if (byte !== 0 && byte !== 1) {
          cursor.fail(byte === undefined ? 'body ends inside a boolean' : 'boolean is not 0 or 1');
        }
        cursor.position += 1;
      };
    case 'int':
    case 'long':
      return (cursor) => void cursor.readLong();
    case 'float':
      return (cursor) => cursor.skip(4, 'float');
    case 'double':
      return (cursor) => cursor.skip(8, 'double');
    case 'bytes':
      return (cursor) => cursor.skip(cursor.readLength('bytes'), 'bytes');
    case 'string':
      return (cursor) => cursor.checkUtf8(cursor.readLength('string'), 'string');
    default:
      return (cursor) => cursor.fail(`unsupported Avro type ${type.typeName}`);
  }
}

/** Throws a KpoError (KPO_DECODE_BODY or KPO_INVALID_UTF8, with context.field) unless `body` is one whole value of `writer`. */
export function scanAvroBody(writer: avro.Type, body: Buffer): void {
  const cursor = new BodyCursor(body);
  scannerFor(writer)(cursor, 0);
  if (cursor.remaining > 0) cursor.fail(`${cursor.remaining} trailing bytes after the value`);
}
