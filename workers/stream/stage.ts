/** stream: re-sequence, de-duplicate, coalesce, one terminal event, history append. TokenChunk → ClientEvent. */
import { RedisConversationHistoryStore } from '../../shared/redis/redis-conversation-history-store.ts';
import { RedisStreamProgressStore } from '../../shared/redis/redis-stream-progress-store.ts';
import { defineStage } from '../../shared/runtime/stage-definition.ts';
import { StreamHandler } from './handler.ts';
import { KafkaSentEventsLookup } from './kafka-sent-events-lookup.ts';
import { streamOptionsSchema } from './options.ts';

export default defineStage({
  name: 'stream',
  input: 'tokenChunk',
  output: 'clientEvent',
  options: streamOptionsSchema,
  async build({ options, redis, keys, figures, kafka, topics, logger }) {
    const sent = new KafkaSentEventsLookup(kafka, logger);
    const handler = new StreamHandler({
      options,
      history: new RedisConversationHistoryStore(redis(), keys, options.history),
      progress: new RedisStreamProgressStore(redis(), keys, options.progressTtlMs),
      sent,
      outputTopic: topics.output,
      onTerminal: (event) => {
        if (event.e2eMs !== null) figures.observeE2eLatency(event.e2eMs / 1000, event.type);
      },
    });
    return {
      handler,
      close: async () => {
        handler.close();
        await sent.close();
      },
    };
  },
});
