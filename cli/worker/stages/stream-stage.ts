/** stream: re-sequence, de-duplicate, coalesce, one terminal event, history append. TokenChunk → ClientEvent. */
import type { ClientEvent, TokenChunk } from '../../../shared/messages/types.ts';
import { RedisConversationHistoryStore } from '../../../shared/redis/redis-conversation-history-store.ts';
import { RedisKeyNamespace } from '../../../shared/redis/redis-key-namespace.ts';
import { RedisStreamProgressStore } from '../../../shared/redis/redis-stream-progress-store.ts';
import { StreamHandler } from '../../../workers/stream/handler.ts';
import { parseStreamOptions } from '../../../workers/stream/options.ts';
import { stageSection, type StageAssembly, type StageDeps } from '../stage-assembly.ts';

export async function assembleStreamStage(deps: StageDeps): Promise<StageAssembly<TokenChunk, ClientEvent>> {
  const keys = new RedisKeyNamespace();
  const handler = new StreamHandler({
    options: parseStreamOptions(stageSection(deps.config, 'stream')),
    history: new RedisConversationHistoryStore(deps.redis(), keys),
    progress: new RedisStreamProgressStore(deps.redis(), keys),
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
