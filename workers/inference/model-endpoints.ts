/**
 * The endpoints the inference stage calls: the pipeline file's `models:`, or
 * — when it lists none — the simulator replicas the local pipeline started
 * (env MODEL_ENDPOINTS, comma-separated URLs; the simulator takes prompt arrays).
 */
import type { ModelEndpointConfig, PipelineConfig } from '../../shared/config/pipeline-config-schema.ts';
import { KpoError } from '../../shared/errors/kpo-error.ts';

export interface InferenceEndpoints {
  readonly configs: readonly ModelEndpointConfig[];
  /** Endpoints with a batch entry point (array prompts on /v1/completions). */
  readonly batchCapable: ReadonlySet<string>;
}

export function inferenceEndpoints(
  config: PipelineConfig,
  batchEndpoints: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): InferenceEndpoints {
  if (config.models.length > 0) return { configs: config.models, batchCapable: new Set(batchEndpoints) };
  const urls = (env['MODEL_ENDPOINTS'] ?? '')
    .split(',')
    .map((url) => url.trim())
    .filter((url) => url !== '');
  if (urls.length === 0) {
    throw new KpoError(
      'KPO_CONFIG_INVALID',
      'no model endpoints: list them under models: or set MODEL_ENDPOINTS',
      {
        context: { stage: 'inference', field: 'models' },
      },
    );
  }
  const configs = urls.map((url, i) => ({
    name: `model-sim-${i}`,
    kind: 'openai' as const,
    url,
    models: [],
    maxConcurrent: 64,
    // The simulator (and infra/local-model) continue partial answers.
    continuation: true,
  }));
  return { configs, batchCapable: new Set([...configs.map((c) => c.name), ...batchEndpoints]) };
}
