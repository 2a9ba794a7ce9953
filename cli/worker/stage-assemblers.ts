/** One assembler per stage: what `kpo worker <stage>` runs. */
import type { StageName } from '../../shared/config/pipeline-config-schema.ts';
import type { StageAssembly, StageDeps } from './stage-assembly.ts';
import { assembleRagStage } from './stages/rag-stage.ts';
import { assembleAssembleStage } from './stages/assemble-stage.ts';
import { assemblePostStage } from './stages/post-stage.ts';
import { assembleInferenceStage } from './stages/inference-stage.ts';
import { assembleStreamStage } from './stages/stream-stage.ts';

/** Each stage's assembly, with its message types erased for the generic worker runner. */
export type AnyStageAssembly = StageAssembly<unknown, unknown>;

function erased<In, Out>(
  assemble: (deps: StageDeps) => Promise<StageAssembly<In, Out>>,
): (deps: StageDeps) => Promise<AnyStageAssembly> {
  return assemble;
}

export const STAGE_ASSEMBLERS: Record<StageName, (deps: StageDeps) => Promise<AnyStageAssembly>> = {
  rag: erased(assembleRagStage),
  assemble: erased(assembleAssembleStage),
  inference: erased(assembleInferenceStage),
  post: erased(assemblePostStage),
  stream: erased(assembleStreamStage),
};
