/** stream: re-sequence, de-duplicate, coalesce, one terminal event, history append. TokenChunk → ClientEvent. */
import type { ClientEvent, TokenChunk } from '../../../shared/messages/types.ts';
import { createRedisStores } from '../../../shared/redis/create-redis-stores.ts';
import { StreamHandler } from '../../../workers/stream/handler.ts';
import { parseStreamOptions } from '../../../workers/stream/options.ts';
import { stageSection, type StageAssembly, type StageDeps } from '../stage-assembly.ts';

export async function assembleStreamStage(deps: StageDeps): Promise<StageAssembly<TokenChunk, ClientEvent>> {
  const options = parseStreamOptions(stageSection(deps.config, 'stream'));
  const { history, progress } = createRedisStores(deps.redis(), {
    keyPrefix: options.redisKeyPrefix,
    history: options.history,
    progressTtlMs: options.progressTtlMs,
  });
  const handler = new StreamHandler({
    options,
    history,
    progress,
    onTerminal: (event) => {
      if (event.e2eMs !== null) deps.figures.observeE2eLatency(event.e2eMs / 1000, event.type);
    },
  });
  return {
    handler,
    inputCodec: deps.codecs.tokenChunk,
    outputCodec: deps.codecs.clientEvent,
    close: async () => handler.close(),
  };
}
