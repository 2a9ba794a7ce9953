/** assemble: templates, tokenizer and the Redis history store. RetrievalResult → AssembledPrompt. */
import type { AssembledPrompt, RetrievalResult } from '../../../shared/messages/types.ts';
import { createRedisStores } from '../../../shared/redis/create-redis-stores.ts';
import { AssembleHandler } from '../../../workers/assemble/handler.ts';
import { parseAssembleOptions } from '../../../workers/assemble/options.ts';
import { stageSection, type StageAssembly, type StageDeps } from '../stage-assembly.ts';

export async function assembleAssembleStage(
  deps: StageDeps,
): Promise<StageAssembly<RetrievalResult, AssembledPrompt>> {
  const options = parseAssembleOptions(stageSection(deps.config, 'assemble'));
  const { history } = createRedisStores(deps.redis(), { keyPrefix: options.redisKeyPrefix });
  return {
    handler: new AssembleHandler({ history, options }),
    inputCodec: deps.codecs.retrievalResult,
    outputCodec: deps.codecs.assembledPrompt,
    close: async () => undefined,
  };
}
