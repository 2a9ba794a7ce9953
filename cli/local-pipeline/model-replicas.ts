/**
 * The model server replicas of a local pipeline, one process each: the local
 * model (infra/local-model; its weights and engine are fetched into .kpo/ here
 * first, so a failed download is one clear line) or the simulator
 * (infra/model-sim). Resolves once every replica printed its ready line.
 */
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../shared/config/stack-endpoints.ts';
import { ensureLocalModelAssets, LOCAL_MODEL } from '../../infra/local-model/local-model-assets.ts';
import type { ChildProcessGroup } from './child-process-group.ts';

export type LocalModelKind = 'local' | 'sim';

export const LOCAL_MODEL_KINDS: readonly LocalModelKind[] = ['local', 'sim'];

interface ServerSpec {
  readonly main: string;
  readonly readyLine: RegExp;
  readonly readyTimeoutMs: number;
  readonly defaultReplicas: number;
  readonly modelName: string;
}

const SERVERS: Readonly<Record<LocalModelKind, ServerSpec>> = {
  // Loading the weights takes a few seconds; far longer on a busy machine.
  local: {
    main: join(PROJECT_ROOT, 'infra', 'local-model', 'main.ts'),
    readyLine: /^local-model listening on (\S+)/,
    readyTimeoutMs: 180_000,
    defaultReplicas: 1,
    modelName: LOCAL_MODEL.id,
  },
  sim: {
    main: join(PROJECT_ROOT, 'infra', 'model-sim', 'main.ts'),
    readyLine: /^model-sim listening on (\S+)/,
    readyTimeoutMs: 30_000,
    defaultReplicas: 2,
    modelName: 'sim-8b',
  },
};

export interface ModelReplicaOptions {
  readonly kind: LocalModelKind;
  readonly replicas?: number | undefined;
  /** Extra flags for each replica (infra/model-sim/main.ts or infra/local-model/main.ts, by kind). */
  readonly extraArgs?: readonly string[] | undefined;
  readonly logDir: string;
  readonly log: (line: string) => void;
}

export async function startModelReplicas(
  group: ChildProcessGroup,
  options: ModelReplicaOptions,
): Promise<{ urls: string[]; modelName: string }> {
  const spec = SERVERS[options.kind];
  if (options.kind === 'local') await ensureLocalModelAssets(options.log);
  const name = options.kind === 'local' ? 'local-model' : 'model-sim';
  const urls = await Promise.all(
    Array.from({ length: options.replicas ?? spec.defaultReplicas }, async (_, i) => {
      const match = await group.start({
        name: `${name}-${i}`,
        command: process.execPath,
        args: [
          '--import',
          'tsx',
          spec.main,
          '--port',
          '0',
          '--replica-id',
          `${options.kind}-${i}`,
          ...(options.extraArgs ?? []),
        ],
        logFile: join(options.logDir, `${name}-${i}.log`),
        readyLine: spec.readyLine,
        readyTimeoutMs: spec.readyTimeoutMs,
      });
      return match[1]!;
    }),
  );
  return { urls, modelName: spec.modelName };
}
