/**
 * `npm run stack -- up|down|status [--json]`: the local stack without Docker.
 * Every failure is one line (what is wrong, how to fix it) and a non-zero exit.
 */
import { stackDown, stackStatus, stackUp } from './local-stack.ts';
import { KpoError } from '../../shared/errors/kpo-error.ts';
import { stackKafkaBrokers, type StackEndpoints } from '../../shared/config/stack-endpoints.ts';

const USAGE = 'usage: npm run stack -- up [--brokers N] [--secure] | down | status [--json]';

async function main(argv: readonly string[]): Promise<number> {
  const command = argv[0];
  const json = argv.includes('--json');
  const log = (line: string): void => console.log(`stack: ${line}`);
  switch (command) {
    case 'up': {
      const brokers = brokersFlag(argv);
      const result = await stackUp(log, {
        ...(brokers === undefined ? {} : { brokers }),
        secure: argv.includes('--secure'),
      });
      if (json) console.log(JSON.stringify(result));
      else if (result.started.length === 0) log(`already running (${result.readyMs} ms)`);
      else log(`ready in ${(result.readyMs / 1000).toFixed(1)} s (started: ${result.started.join(', ')})`);
      if (!json) printEndpoints(result.endpoints);
      return 0;
    }
    case 'down':
      await stackDown(log);
      return 0;
    case 'status': {
      const statuses = await stackStatus();
      if (json) console.log(JSON.stringify(statuses));
      else {
        for (const s of statuses) {
          const state = s.answering ? 'up' : s.running ? 'running, not answering' : 'down';
          const rss = s.rssMiB === undefined ? '' : ` rss=${s.rssMiB}MiB`;
          console.log(
            `${s.name.padEnd(9)} ${state.padEnd(22)} ${s.endpoint} v${s.version}${s.pid ? ` pid=${s.pid}` : ''}${rss}`,
          );
        }
      }
      return statuses.every((s) => s.answering) ? 0 : 3;
    }
    default:
      console.error(USAGE);
      return 2;
  }
}

/** `--brokers N` (Kafka nodes: 1, or 3 for a cluster that survives losing one), else undefined. */
function brokersFlag(argv: readonly string[]): number | undefined {
  const at = argv.indexOf('--brokers');
  if (at === -1) return undefined;
  const value = argv[at + 1];
  const brokers = Number(value);
  if (!Number.isInteger(brokers) || brokers < 1 || brokers > 9) {
    throw new KpoError('KPO_CONFIG_INVALID', `--brokers ${value ?? ''}: expected a whole number from 1 to 9`);
  }
  return brokers;
}

function printEndpoints(endpoints: StackEndpoints): void {
  console.log(`KAFKA_BROKERS=${stackKafkaBrokers(endpoints).join(',')}`);
  console.log(`SCHEMA_REGISTRY_URL=${endpoints.schemaRegistryUrl}`);
  console.log(`REDIS_URL=${endpoints.redisUrl}`);
  if (endpoints.secure) {
    const s = endpoints.secure;
    console.log(
      `# SASL_SSL (PLAIN, SCRAM-SHA-512): KAFKA_BROKERS=${s.saslSslBroker} KAFKA_SSL_CA_FILE=${s.caFile}`,
    );
    console.log(`#   KAFKA_SASL_USERNAME=${s.username} KAFKA_SASL_PASSWORD_FILE=${s.passwordFile}`);
    console.log(
      `# mutual TLS: KAFKA_BROKERS=${s.mtlsBroker} KAFKA_SSL_CA_FILE=${s.caFile} KAFKA_SSL_CERT_FILE=${s.clientCertFile} KAFKA_SSL_KEY_FILE=${s.clientKeyFile}`,
    );
    console.log(
      `# Redis over TLS (both Redis ports want the password): REDIS_URL=${s.redisTlsUrl} REDIS_TLS_CA_FILE=${s.caFile}`,
    );
    console.log(`#   REDIS_USERNAME=${s.username} REDIS_PASSWORD_FILE=${s.passwordFile}`);
    console.log(
      `# registry basic auth: SCHEMA_REGISTRY_USERNAME=${s.username} SCHEMA_REGISTRY_PASSWORD_FILE=${s.passwordFile}`,
    );
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const message = error instanceof KpoError ? `${error.code}: ${error.message}` : String(error);
    console.error(`stack: ${message}`);
    process.exit(1);
  },
);
