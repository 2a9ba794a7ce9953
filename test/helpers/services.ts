/**
 * Endpoints of the real services integration tests talk to. test/run.ts (the
 * global setup) decides where they come from and exports them in the
 * environment; a test that finds one missing fails — it never skips.
 */
export interface ServiceEndpoints {
  readonly kafkaBrokers: readonly string[];
  readonly schemaRegistryUrl: string;
  readonly redisUrl: string;
}

export function serviceEndpoints(): ServiceEndpoints {
  const { KAFKA_BROKERS, SCHEMA_REGISTRY_URL, REDIS_URL } = process.env;
  const missing = [
    ['KAFKA_BROKERS', KAFKA_BROKERS],
    ['SCHEMA_REGISTRY_URL', SCHEMA_REGISTRY_URL],
    ['REDIS_URL', REDIS_URL],
  ]
    .filter(([, value]) => !value)
    .map(([name]) => name);
  if (missing.length > 0) {
    throw new Error(
      `integration test needs ${missing.join(', ')}: run it through \`npm test\` (test/run.ts starts or finds the services)`,
    );
  }
  return {
    kafkaBrokers: KAFKA_BROKERS!.split(','),
    schemaRegistryUrl: SCHEMA_REGISTRY_URL!,
    redisUrl: REDIS_URL!,
  };
}
