/** Inputs for pipeline-file tests: a file with given text, and the error a refused config throws. */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parsePipelineConfig } from '../../shared/config/load-pipeline-config.ts';
import { KpoError } from '../../shared/errors/kpo-error.ts';

/** Writes `text` to a file named `name` in a fresh temporary directory; returns its path. */
export function tempFile(name: string, text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'kpo-config-')), name);
  writeFileSync(path, text);
  return path;
}

/** The KpoError parsing `raw` throws; fails the test when the config is accepted. */
export function configError(raw: unknown, env: NodeJS.ProcessEnv = {}): KpoError {
  try {
    parsePipelineConfig(raw, env);
  } catch (error) {
    assert.ok(error instanceof KpoError, String(error));
    return error;
  }
  assert.fail('the config was accepted');
}
