/**
 * A password or key read from the environment or a file, held so that it prints and serializes as
 * "[redacted]": a logged options object, an inspected error or a printed config never shows it. Only the
 * client library that needs it calls reveal().
 */
import { inspect } from 'node:util';
import { KpoError } from '../errors/kpo-error.ts';
import { readConfigText } from './config-file-text.ts';

export const REDACTED_SECRET = '[redacted]';

export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /** The secret itself, for the client library only. */
  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return REDACTED_SECRET;
  }

  toJSON(): string {
    return REDACTED_SECRET;
  }

  [inspect.custom](): string {
    return REDACTED_SECRET;
  }
}

export interface SecretSource {
  /** The section, for the error message: "kafka.sasl", "redis", "schemaRegistry". */
  readonly field: string;
  /** Env name of the secret itself (wins over the file), e.g. REDIS_PASSWORD. */
  readonly envName: string;
  /** The file named in the pipeline file or by env `<envName>_FILE`. */
  readonly file: string | undefined;
}

/** The secret from env `envName`, else from `file` (one trailing newline dropped); undefined when neither is set. */
export function optionalSecret(source: SecretSource, env: NodeJS.ProcessEnv): Secret | undefined {
  const value = env[source.envName];
  if (value) return new Secret(value);
  if (source.file === undefined) return undefined;
  return new Secret(readConfigText(source.file, `${source.field}.passwordFile`).replace(/\r?\n$/, ''));
}

/** Like optionalSecret, but a missing secret fails naming both ways to give it. */
export function requiredSecret(source: SecretSource, env: NodeJS.ProcessEnv): Secret {
  const secret = optionalSecret(source, env);
  if (secret !== undefined) return secret;
  throw new KpoError(
    'KPO_CONFIG_INVALID',
    `${source.field}: no password. Fix: set ${source.envName}, or ${source.field}.passwordFile (${source.envName}_FILE)`,
    { context: { field: source.field } },
  );
}
