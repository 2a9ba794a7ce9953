/**
 * `tsx scripts/release-schemas.ts`: freezes the current (bundled) schemas as
 * released snapshots, schemas/released/<Name>.v<N>.avsc, for every message
 * whose schema changed since its last snapshot. Run it when cutting a release;
 * the evolution test then holds every later schema to these.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  latestReleasedSchemas,
  loadMessageSchemas,
  RELEASED_SCHEMAS_DIR,
} from '../shared/messages/message-schemas.ts';

mkdirSync(RELEASED_SCHEMAS_DIR, { recursive: true });
const latest = latestReleasedSchemas();
let written = 0;
for (const [name, schema] of loadMessageSchemas()) {
  const previous = latest.get(name);
  if (previous !== undefined && JSON.stringify(previous.schema) === JSON.stringify(schema)) continue;
  const version = (previous?.version ?? 0) + 1;
  const file = join(RELEASED_SCHEMAS_DIR, `${name.slice(name.lastIndexOf('.') + 1)}.v${version}.avsc`);
  writeFileSync(file, `${JSON.stringify(schema, null, 2)}\n`);
  console.log(`released ${name} as ${file}`);
  written += 1;
}
console.log(written === 0 ? 'every schema matches its last release' : `${written} schema(s) released`);
