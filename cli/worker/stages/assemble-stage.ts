/** assemble: templates, tokenizer and the Redis history store. RetrievalResult → AssembledPrompt. */
import type { AssembledPrompt, RetrievalResult } from '../../../shared/messages/types.ts';
import { RedisConversationHistoryStore } from '../../../shared/redis/redis-conversation-history-store.ts';
import { RedisKeyNamespace } from '../../../shared/redis/redis-key-namespace.ts';
import { AssembleHandler } from '../../../workers/assemble/handler.ts';
import { parseAssembleOptions } from '../../../workers/assemble/options.ts';
import { stageSection, type StageAssembly, type StageDeps } from '../stage-assembly.ts';

export async function assembleAssembleStage(
  deps: StageDeps,
): Promise<StageAssembly<RetrievalResult, AssembledPrompt>> {
  const options = parseAssembleOptions(stageSection(deps.config, 'assemble'));
  const history = new RedisConversationHistoryStore(deps.redis(), new RedisKeyNamespace());
  return {
    handler: new AssembleHandler({ history, options }),
    inputCodec: deps.codecs.retrievalResult,
    outputCodec: deps.codecs.assembledPrompt,
    close: async () => undefined,
  };
}
