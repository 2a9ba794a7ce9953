/** assemble: templates, tokenizer and the Redis history store. RetrievalResult → AssembledPrompt. */
import { RedisConversationHistoryStore } from '../../shared/redis/redis-conversation-history-store.ts';
import { defineStage } from '../../shared/runtime/stage-definition.ts';
import { AssembleHandler } from './handler.ts';
import { assembleOptionsSchema } from './options.ts';

export default defineStage({
  name: 'assemble',
  input: 'retrievalResult',
  output: 'assembledPrompt',
  options: assembleOptionsSchema,
  async build({ options, redis, keys }) {
    const history = new RedisConversationHistoryStore(redis(), keys);
    return { handler: new AssembleHandler({ history, options }), close: async () => undefined };
  },
});
