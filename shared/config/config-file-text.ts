/** Reading the files a pipeline file names (CA, certificate, key, password), each failure naming its field. */
import { readFileSync } from 'node:fs';
import { KpoError } from '../errors/kpo-error.ts';

export function readConfigText(path: string, field: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (cause) {
    throw new KpoError(
      'KPO_CONFIG_INVALID',
      `${field}: cannot read ${path} (${(cause as NodeJS.ErrnoException).code ?? String(cause)})`,
      { cause, context: { field } },
    );
  }
}

/** A PEM file's text; a file without a -----BEGIN line is refused (a DER file or a wrong path). */
export function readPem(path: string, field: string): string {
  const text = readConfigText(path, field);
  if (!text.includes('-----BEGIN ')) {
    throw new KpoError('KPO_CONFIG_INVALID', `${field}: ${path} is not a PEM file (no -----BEGIN line)`, {
      context: { field },
    });
  }
  return text;
}
