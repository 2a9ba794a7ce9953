/**
 * `npm run gen:types`: regenerates shared/messages/types.ts from schemas/*.avsc.
 * `--check` only compares and exits 1 when the committed file is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadBundledSchemas, SCHEMAS_DIR } from '../shared/messages/message-schemas.ts';
import { renderMessageTypes } from '../shared/messages/render-message-types.ts';

const TYPES_FILE = join(SCHEMAS_DIR, '..', 'shared', 'messages', 'types.ts');

const source = renderMessageTypes(loadBundledSchemas());
if (process.argv.includes('--check')) {
  const committed = readFileSync(TYPES_FILE, 'utf8');
  if (committed !== source) {
    console.error(`${TYPES_FILE} is stale: run npm run gen:types`);
    process.exit(1);
  }
  console.log(`${TYPES_FILE} is up to date`);
} else {
  writeFileSync(TYPES_FILE, source);
  console.log(`wrote ${TYPES_FILE}`);
}
