/**
 * Every knob of the local model server, its default, and its environment
 * variable (LOCAL_MODEL_*); CLI flags win over env, env over defaults.
 */
import { z } from 'zod';

export const localModelOptionsSchema = z
  .object({
    /** TCP port; 0 picks a free one. Default 8011. */
    port: z.number().int().min(0).max(65535).default(8011),
    /** Address to listen on. Default 127.0.0.1. */
    host: z.string().min(1).default('127.0.0.1'),
    /** Name of this replica in /metrics and /health. Default "local-<port>". */
    replicaId: z.string().min(1).optional(),
    /** Context sequences (llama.cpp slots) generating at once. Default 4. */
    sequences: z.number().int().positive().max(64).default(4),
    /** Requests that may wait for a sequence; one more is answered 503. Default 16. */
    queueDepth: z.number().int().min(0).default(16),
    /** Tokens each sequence holds (prompt + answer). Default 2048 (SmolLM2 was trained on 8192). */
    contextSize: z.number().int().min(256).default(2048),
    /**
     * CPU threads; 0 = all cores. Default 1: llama.cpp's threads spin at barriers, so on a shared machine
     * more threads than free cores is many times slower, and one core already gives ~40 tokens/s here.
     */
    threads: z.number().int().min(0).default(1),
  })
  .strict();

export type LocalModelOptions = z.infer<typeof localModelOptionsSchema>;

const ENV: Readonly<Record<string, string>> = {
  port: 'LOCAL_MODEL_PORT',
  host: 'LOCAL_MODEL_HOST',
  sequences: 'LOCAL_MODEL_SEQUENCES',
  queueDepth: 'LOCAL_MODEL_QUEUE_DEPTH',
  contextSize: 'LOCAL_MODEL_CONTEXT_SIZE',
  threads: 'LOCAL_MODEL_THREADS',
};

export function compileLocalModelOptions(
  flags: Readonly<Record<string, string | number | undefined>>,
  env: NodeJS.ProcessEnv = process.env,
): LocalModelOptions {
  const raw: Record<string, unknown> = {};
  for (const key of new Set([...Object.keys(ENV), ...Object.keys(flags)])) {
    const envName = ENV[key];
    const value = flags[key] ?? (envName === undefined ? undefined : env[envName]);
    if (value === undefined) continue;
    raw[key] = key === 'host' || key === 'replicaId' ? String(value) : Number(value);
  }
  const parsed = localModelOptionsSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`local-model options: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}
