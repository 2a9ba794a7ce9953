/**
 * Options of createMessageCodecs, with their defaults, validated once and
 * frozen (options → with defaults → compiled).
 */
import { z } from 'zod';
import { KpoError } from '../errors/kpo-error.ts';
import type { RegistryCredentials } from './registry-auth-schema.ts';

/** Kafka's default message.max.bytes / max.request.size: 1 MiB. */
export const DEFAULT_MAX_MESSAGE_BYTES = 1_048_576;

export const messageCodecsOptionsSchema = z
  .object({
    /**
     * Confluent-compatible registry base URL (Apicurio: http://host:port/apis/ccompat/v7).
     * Unset, empty or "none" = registry-less mode (single-object encoding). Default: unset.
     */
    schemaRegistryUrl: z.string().optional(),
    /** Basic auth to the registry (resolveRegistryCredentials of the `schemaRegistry` section). Default: none. */
    registryCredentials: z.custom<RegistryCredentials>().optional(),
    /** Encoded records larger than this are refused with KPO_TOO_LARGE, on encode and decode. Default 1 MiB. */
    maxMessageBytes: z.number().int().positive().default(DEFAULT_MAX_MESSAGE_BYTES),
    /** Most characters (UTF-16 units) all chat turns of a PromptRequest may hold. Default 500000. */
    maxPromptChars: z.number().int().positive().default(500_000),
    /** Register our schemas when the registry does not hold them yet; false = look up only. Default true. */
    autoRegister: z.boolean().default(true),
    /** Retries of one registry request after the first try. Default 2. */
    registryRequestRetries: z.number().int().nonnegative().default(2),
    /** Bound of one registry request (each try), so a stalled registry fails instead of hanging. Default 5000 ms. */
    registryRequestTimeoutMs: z.number().int().positive().default(5_000),
    /** How long a schema id the registry does not know is remembered as unknown. Default 30000 ms. */
    unknownSchemaIdTtlMs: z.number().int().positive().default(30_000),
    /** Folder of the current schemas (released snapshots in its released/ folder). Default the project's schemas/. */
    schemasDir: z.string().min(1).optional(),
  })
  .strict();

export type MessageCodecsOptions = z.input<typeof messageCodecsOptionsSchema>;

export interface CompiledMessageCodecsOptions extends Readonly<
  Omit<z.output<typeof messageCodecsOptionsSchema>, 'schemaRegistryUrl'>
> {
  /** undefined = registry-less mode. */
  readonly schemaRegistryUrl: string | undefined;
}

export function compileMessageCodecsOptions(
  options: MessageCodecsOptions = {},
): CompiledMessageCodecsOptions {
  const parsed = messageCodecsOptionsSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new KpoError(
      'KPO_CONFIG_INVALID',
      `message codec options: ${issue?.path.join('.')}: ${issue?.message}`,
      {
        context: { field: issue?.path.join('.') ?? '' },
      },
    );
  }
  const url = parsed.data.schemaRegistryUrl?.trim();
  const schemaRegistryUrl = url === undefined || url === '' || url.toLowerCase() === 'none' ? undefined : url;
  return Object.freeze({ ...parsed.data, schemaRegistryUrl });
}
