/**
 * The endpoints the inference stage calls: the pipeline file's `models:`
 * (the config loader already turns MODEL_ENDPOINTS into that list).
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
): InferenceEndpoints {
  if (config.models.length === 0) {
    throw new KpoError(
      'KPO_CONFIG_INVALID',
      'no model endpoints: list them under models: or set MODEL_ENDPOINTS',
      {
        context: { stage: 'inference', field: 'models' },
      },
    );
  }
  return { configs: config.models, batchCapable: new Set(batchEndpoints) };
}
