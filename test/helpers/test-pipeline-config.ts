/**
 * A pipeline file of its own for one test: unique topic names and consumer
 * group prefix, so tests (and a running `npm start`) never share a queue.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { stringify } from 'yaml';
import { parsePipelineConfig } from '../../shared/config/load-pipeline-config.ts';
import type { PipelineConfig } from '../../shared/config/pipeline-config-schema.ts';
import { uniqueName } from './unique-name.ts';

export interface TestPipelineConfig {
  readonly path: string;
  readonly config: PipelineConfig;
  /** Environment for workers and clients: KPO_CONFIG plus the service endpoints. */
  readonly env: NodeJS.ProcessEnv;
}

export function writeTestPipelineConfig(
  overrides: Record<string, unknown> = {},
  partitions = 3,
): TestPipelineConfig {
  const id = uniqueName('t').replace(/[^a-z0-9-]/g, '');
  const topic = (name: string): string => `${id}.${name}`;
  const document = {
    groupPrefix: id,
    topics: {
      partitions,
      prompts: topic('prompts'),
      rag: topic('rag'),
      assembled: topic('assembled'),
      tokensRaw: topic('tokens.raw'),
      tokensPost: topic('tokens.post'),
      output: topic('output'),
      cancel: topic('cancel'),
    },
    ...overrides,
  };
  const path = join(mkdtempSync(join(tmpdir(), 'kpo-pipeline-')), 'pipeline.yaml');
  writeFileSync(path, stringify(document));
  const env: NodeJS.ProcessEnv = { KPO_CONFIG: path };
  return { path, config: parsePipelineConfig(document, process.env, path), env };
}
