/**
 * One message kind's RecordCodec. Decode: size → framing → writer schema →
 * body scan (bounds, UTF-8) → avsc decode through a cached writer→reader
 * resolver → plain objects → message rules. Encode: rules → well-formed
 * strings → avsc → framing → size. Every failure is a KpoError with a code
 * and context.field; nothing else escapes.
 */
import avro from 'avsc';
import { KpoError } from '../errors/kpo-error.ts';
import type { ErrorCode } from '../errors/error-codes.ts';
import { messageIdentity, type MessageLimits, type RuleViolation } from '../messages/message-rules.ts';
import { scanAvroBody } from './avro-body-scanner.ts';
import type { RecordCodec } from './record-codec.ts';
import type { WriterSchema, WriterSchemaLookup } from './writer-schema-lookup.ts';

export interface AvroMessageCodecParts<T> {
  readonly readerType: avro.Type;
  /** Frames an encoded body with this kind's writer identity (registry id or fingerprint). */
  readonly frame: (body: Buffer) => Buffer;
  readonly lookup: WriterSchemaLookup;
  readonly rule: (message: T, limits: MessageLimits) => RuleViolation | undefined;
  readonly limits: MessageLimits;
  /** Encoded (framed) records larger than this are refused, both ways. */
  readonly maxMessageBytes: number;
}

/** Anything unexpected a decoder or encoder throws becomes a non-retryable KpoError: the same bytes fail the same way. */
function asKpoError(error: unknown, code: ErrorCode): KpoError {
  if (error instanceof KpoError) return error;
  return new KpoError(code, error instanceof Error ? error.message : String(error), { cause: error });
}

/** Avro decodes records as class instances; the project gets plain objects (Buffers stay Buffers). */
function toPlain(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Buffer.isBuffer(value)) return value;
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index += 1) value[index] = toPlain(value[index]);
    return value;
  }
  const plain: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) plain[key] = toPlain(field);
  return plain;
}

/** The path of the first string (or map key) holding a lone UTF-16 surrogate, which UTF-8 cannot carry. */
function illFormedStringPath(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') {
    return (value as unknown as { isWellFormed(): boolean }).isWellFormed() ? undefined : path;
  }
  if (value === null || typeof value !== 'object' || Buffer.isBuffer(value)) return undefined;
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index += 1) {
      const found = illFormedStringPath(value[index], `${path}[${index}]`);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  for (const [key, field] of Object.entries(value)) {
    const fieldPath = path === '' ? key : `${path}.${key}`;
    if (!(key as unknown as { isWellFormed(): boolean }).isWellFormed()) return fieldPath;
    const found = illFormedStringPath(field, fieldPath);
    if (found !== undefined) return found;
  }
  return undefined;
}

export class AvroMessageCodec<T> implements RecordCodec<T> {
  readonly messageName: string;
  private readonly resolvers = new Map<string, avro.Resolver | null>();

  constructor(private readonly parts: AvroMessageCodecParts<T>) {
    this.messageName = parts.readerType.name ?? parts.readerType.typeName;
  }

  async decode(value: Buffer): Promise<T> {
    try {
      return await this.decodeOrThrow(value);
    } catch (error) {
      throw asKpoError(error, 'KPO_DECODE_BODY');
    }
  }

  async encode(message: T): Promise<Buffer> {
    try {
      return this.encodeOrThrow(message);
    } catch (error) {
      throw asKpoError(error, 'KPO_ENCODE');
    }
  }

  private async decodeOrThrow(value: Buffer): Promise<T> {
    if (!Buffer.isBuffer(value))
      throw new KpoError('KPO_DECODE_WIRE_FORMAT', 'the record has no value bytes');
    this.checkSize(value.length, 'decode');
    const { writer, body } = await this.parts.lookup.unframe(value);
    const resolver = this.resolverFor(writer);
    scanAvroBody(writer.type, body);
    let decoded: unknown;
    try {
      decoded = this.parts.readerType.fromBuffer(body, resolver ?? undefined);
    } catch (error) {
      throw new KpoError(
        'KPO_DECODE_BODY',
        `the body does not decode as ${this.messageName}: ${String(error)}`,
        {
          cause: error,
        },
      );
    }
    const message = toPlain(decoded) as T;
    this.checkRules(message);
    return message;
  }

  private encodeOrThrow(message: T): Buffer {
    if (typeof message !== 'object' || message === null) {
      throw new KpoError('KPO_ENCODE', `a ${this.messageName} must be an object`);
    }
    this.checkRules(message);
    const illFormed = illFormedStringPath(message, '');
    if (illFormed !== undefined) {
      throw new KpoError(
        'KPO_INVALID_UTF8',
        `${illFormed} holds a lone surrogate, which UTF-8 cannot encode`,
        {
          context: { field: illFormed, ...messageIdentity(message) },
        },
      );
    }
    let body: Buffer;
    try {
      body = this.parts.readerType.toBuffer(message);
    } catch (error) {
      const paths: string[] = [];
      this.parts.readerType.isValid(message, { errorHook: (path: string[]) => paths.push(path.join('.')) });
      const field = paths[0] ?? '(root)';
      throw new KpoError(
        'KPO_ENCODE',
        `${this.messageName} does not match its schema at ${paths.join(', ') || field}`,
        {
          cause: error,
          context: { field, ...messageIdentity(message) },
        },
      );
    }
    const framed = this.parts.frame(body);
    this.checkSize(framed.length, 'encode', message);
    return framed;
  }

  private checkSize(bytes: number, direction: 'encode' | 'decode', message?: T): void {
    const limit = this.parts.maxMessageBytes;
    if (bytes <= limit) return;
    throw new KpoError(
      'KPO_TOO_LARGE',
      `the encoded ${this.messageName} is ${bytes} bytes, over the ${limit}-byte message limit (${direction})`,
      { context: { field: '(record)', ...(message === undefined ? {} : messageIdentity(message)) } },
    );
  }

  private checkRules(message: T): void {
    const violation = this.parts.rule(message, this.parts.limits);
    if (violation === undefined) return;
    throw new KpoError(violation.code, `${this.messageName}: ${violation.reason}`, {
      context: { field: violation.field, ...messageIdentity(message) },
    });
  }

  /** null = the writer schema is the reader schema (no resolution needed). */
  private resolverFor(writer: WriterSchema): avro.Resolver | null {
    const cached = this.resolvers.get(writer.key);
    if (cached !== undefined) return cached;
    let resolver: avro.Resolver | null = null;
    if (!writer.type.equals(this.parts.readerType)) {
      try {
        resolver = this.parts.readerType.createResolver(writer.type);
      } catch (error) {
        throw new KpoError(
          'KPO_DECODE_UNKNOWN_SCHEMA',
          `${writer.label} (${writer.type.name ?? writer.type.typeName}) cannot be read as ${this.messageName}: ${String(error)}`,
          { cause: error },
        );
      }
    }
    if (this.resolvers.size >= 1_000) this.resolvers.clear();
    this.resolvers.set(writer.key, resolver);
    return resolver;
  }
}
