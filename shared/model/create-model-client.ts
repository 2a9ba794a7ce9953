/**
 * Builds the adapter for one configured endpoint (pipeline file `models:`),
 * and the pool of resilient endpoints a stage calls through.
 */
import type { ModelEndpointConfig } from '../config/pipeline-config-schema.ts';
import { EndpointPool } from './endpoint-pool.ts';
import { LeastLoadedSelector, type EndpointSelector } from './endpoint-selector.ts';
import { LlamaCppClient } from './llamacpp-client.ts';
import type { ModelCallOptions } from './model-call-options.ts';
import type { ModelClient } from './model-client.ts';
import { OpenAiCompatibleClient } from './openai-client.ts';
import { ResilientEndpoint } from './resilient-endpoint.ts';
import { TgiClient } from './tgi-client.ts';

/** Adapter settings the pipeline file's endpoint entry has no field for. */
export interface AdapterExtras {
  /** OpenAI-compatible: which API generate() calls. Default 'chat'. */
  readonly api?: 'chat' | 'completions';
  /** OpenAI-compatible: the server takes an array of prompts on /v1/completions. Default false. */
  readonly batching?: boolean;
}

/** Whether the endpoint is asked to continue partial answers: its `continuation` field, else by kind. */
function continues(config: ModelEndpointConfig): boolean {
  return config.continuation ?? config.kind === 'llamacpp';
}

export function createModelClient(config: ModelEndpointConfig, extras: AdapterExtras = {}): ModelClient {
  const apiKey = process.env['MODEL_API_KEY'] ?? config.apiKey;
  const base = { name: config.name, baseUrl: config.url, ...(apiKey === undefined ? {} : { apiKey }) };
  switch (config.kind) {
    case 'llamacpp':
      return new LlamaCppClient(base);
    case 'tgi':
      return new TgiClient(base);
    case 'openai':
      return new OpenAiCompatibleClient({
        ...base,
        ...(extras.api === undefined ? {} : { api: extras.api }),
        ...(extras.batching === undefined ? {} : { batching: extras.batching }),
        continuation: continues(config),
      });
  }
}

export function createEndpointPool(
  configs: readonly ModelEndpointConfig[],
  options: ModelCallOptions,
  extras: (config: ModelEndpointConfig) => AdapterExtras = () => ({}),
  selector: EndpointSelector = new LeastLoadedSelector(),
): EndpointPool {
  const endpoints = configs.map(
    (config) =>
      new ResilientEndpoint(
        createModelClient(config, extras(config)),
        { maxConcurrent: config.maxConcurrent, models: config.models },
        options,
      ),
  );
  return new EndpointPool(endpoints, selector, options);
}
