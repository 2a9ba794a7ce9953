/** rag: the configured retriever behind the rag handler. PromptRequest → RetrievalResult. */
import type { PromptRequest, RetrievalResult } from '../../../shared/messages/types.ts';
import { RagHandler } from '../../../workers/rag/handler.ts';
import { createRetriever } from '../../../workers/rag/create-retriever.ts';
import { parseRagOptions } from '../../../workers/rag/options.ts';
import { stageSection, type StageAssembly, type StageDeps } from '../stage-assembly.ts';

export async function assembleRagStage(
  deps: StageDeps,
): Promise<StageAssembly<PromptRequest, RetrievalResult>> {
  const options = parseRagOptions(stageSection(deps.config, 'rag'));
  const retriever = await createRetriever(options.retriever, deps.env);
  return {
    handler: new RagHandler({ retriever, options }),
    inputCodec: deps.codecs.promptRequest,
    outputCodec: deps.codecs.retrievalResult,
    close: async () => undefined,
  };
}
