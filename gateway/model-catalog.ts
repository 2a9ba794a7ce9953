/**
 * Which model names the pipeline serves, from the pipeline file's model
 * endpoints: the union of their `models` lists. An endpoint with an empty list
 * serves any name; then only "default" is listed, and any name is accepted.
 */
import type { PipelineConfig } from '../shared/config/pipeline-config-schema.ts';

export class ModelCatalog {
  readonly names: readonly string[];
  private readonly acceptsAny: boolean;

  constructor(names: readonly string[], acceptsAny: boolean) {
    this.names = names.length > 0 ? [...new Set(names)] : ['default'];
    this.acceptsAny = acceptsAny;
  }

  static fromConfig(config: PipelineConfig): ModelCatalog {
    const acceptsAny = config.models.length === 0 || config.models.some((m) => m.models.length === 0);
    return new ModelCatalog(
      config.models.flatMap((m) => m.models),
      acceptsAny,
    );
  }

  serves(model: string): boolean {
    return this.acceptsAny || this.names.includes(model);
  }
}
