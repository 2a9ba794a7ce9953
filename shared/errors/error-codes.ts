/**
 * Every error code the project raises, with what it means. Codes travel on
 * dead-letter headers and in client error events, so they never change meaning.
 */
export const ERROR_CODES = {
  KPO_CONFIG_INVALID: 'the pipeline file or an environment override failed validation',
  KPO_STACK_PREREQUISITE: 'a program the local stack needs is missing',
  KPO_STACK_START: 'a local service did not come up',
  KPO_STACK_STOP: 'a local service process did not go away after SIGKILL',
  KPO_DECODE_WIRE_FORMAT: 'bytes are not in the Confluent wire format or single-object encoding',
  KPO_DECODE_UNKNOWN_SCHEMA: 'the schema id or fingerprint in the record is unknown',
  KPO_DECODE_BODY: 'the Avro body does not match its schema',
  KPO_INVALID_UTF8: 'a string field is not valid UTF-8',
  KPO_VALIDATION: 'a decoded record breaks a rule (missing session ID, no messages, …)',
  KPO_TOO_LARGE: 'a record is larger than the configured limit',
  KPO_ENCODE: 'a record could not be encoded against its schema',
  KPO_REGISTRY: 'the schema registry failed or refused a request',
  KPO_REGISTRY_AUTH: 'the schema registry refused our basic-auth credentials, or wants some',
  KPO_HANDLER: 'a stage handler failed',
  KPO_TIMEOUT: 'an operation ran past its timeout',
  KPO_RETRIES_EXHAUSTED: 'every allowed attempt failed',
  KPO_SHED_EXPIRED: 'a record passed its deadline or max age before it was handled',
  KPO_REJECTED_BACKLOG: 'admission refused a new request because the backlog is full',
  KPO_CANCELLED: 'the request was cancelled',
  KPO_MODEL_HTTP: 'a model server answered with an error status',
  KPO_MODEL_RATE_LIMITED: 'a model server asked us to slow down (429)',
  KPO_MODEL_STREAM: 'a model stream broke or was malformed',
  KPO_MODEL_UNKNOWN: 'the requested model has no endpoint',
  KPO_CIRCUIT_OPEN: 'the circuit breaker of an endpoint is open',
  KPO_BULKHEAD_FULL: 'an endpoint has no free concurrency slot',
  KPO_POLICY_BLOCKED: "a stage's policy (e.g. moderation) refused the request",
  KPO_PROMPT_EMPTY: 'the prompt has no user content',
  KPO_PROMPT_TOO_LONG: 'the prompt does not fit the token budget',
  KPO_HISTORY_CORRUPT: 'the session history in Redis could not be read',
  KPO_RETRIEVAL: 'the retriever failed',
  KPO_REDIS: 'Redis failed, refused a command or timed out',
  KPO_REDIS_AUTH: 'Redis refused the connection settings: password, TLS or client certificate',
  KPO_GENERATION_LEASE_LOST:
    'another inference worker took over a request (this one lost its generation lease) and this one stopped',
  KPO_KAFKA: 'the Kafka client failed',
  KPO_KAFKA_AUTH: 'the brokers refused the connection settings: TLS, client certificate or SASL credentials',
  KPO_EVENT_GAP: 'a client missed events of its request (a gap in their seqs)',
  KPO_MODEL_SETUP: 'the local model or its engine could not be fetched, checked or loaded',
  KPO_TOPIC_MISSING: 'a topic the command needs does not exist',
  KPO_INTERNAL: 'an unexpected failure',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;
