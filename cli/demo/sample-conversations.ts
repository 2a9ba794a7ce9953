/** The demo's conversations: a few sessions, each a follow-up on its first turn, answered from the sample corpus. */
export const SAMPLE_CONVERSATIONS: readonly (readonly string[])[] = [
  [
    'How does Kafka keep the records of one key in order?',
    'And what happens to that order when a consumer group rebalances?',
  ],
  ['What is a KV cache in LLM serving?', 'Why does routing a session to the same replica help?'],
  [
    'What does backpressure mean for a stream processor?',
    'How do pause and resume implement it in Kafka consumers?',
  ],
  ['Why batch requests to a model server?', 'What does a max wait of a few milliseconds cost?'],
];
