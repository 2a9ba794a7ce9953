/** post: stop sequences, redaction (worker-thread pool) and length limits. TokenChunk → TokenChunk. */
import type { TokenChunk } from '../../../shared/messages/types.ts';
import { PostHandler } from '../../../workers/post/handler.ts';
import { parsePostOptions } from '../../../workers/post/options.ts';
import { stageSection, type StageAssembly, type StageDeps } from '../stage-assembly.ts';

export async function assemblePostStage(deps: StageDeps): Promise<StageAssembly<TokenChunk, TokenChunk>> {
  const handler = new PostHandler(parsePostOptions(stageSection(deps.config, 'post')));
  return {
    handler,
    inputCodec: deps.codecs.tokenChunk,
    outputCodec: deps.codecs.tokenChunk,
    close: () => handler.close(),
  };
}
