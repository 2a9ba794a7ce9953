/**
 * The demo's conversations: a few sessions, each a follow-up that only makes
 * sense with its first turn (the history), answered from the sample corpus.
 */
export const SAMPLE_CONVERSATIONS: readonly (readonly string[])[] = [
  ['How does Kafka keep the records of one key in order?', 'What happens to that order in a rebalance?'],
  ['What is a KV cache?', 'Why does it limit how many requests fit on a GPU?'],
  ['What is backpressure in a Kafka pipeline?', 'How does a consumer apply it?'],
  ['Why batch requests to a model server?', 'What does waiting a few milliseconds for a batch cost?'],
];
