/**
 * The kafkajs adapter's entry point: one kafkajs.Kafka per process, handing
 * out port implementations. The only module (with its siblings) that imports
 * kafkajs.
 */
import kafkajs from 'kafkajs';
import type {
  AdminPort,
  ConsumerOptions,
  ConsumerPort,
  KafkaClientPort,
  PartitionReaderOptions,
  PartitionReaderPort,
  ProducerPort,
} from '../kafka-port.ts';
import { KafkajsAdmin } from './kafkajs-admin.ts';
import { KafkajsConsumer } from './kafkajs-consumer.ts';
import type { Logger } from 'pino';
import { fixKafkajsIdleTimerLoop } from './kafkajs-idle-timer-fix.ts';
import { fixKafkajsBrokerLoss } from './kafkajs-broker-loss-fix.ts';
import { createStderrLogger } from '../../logging/create-logger.ts';
import { kafkajsLogCreator, kafkajsLogLevel, type KafkaLogLevel } from './kafkajs-logger.ts';
import { KafkajsPartitionReader } from './kafkajs-partition-reader.ts';
import { KafkajsProducer } from './kafkajs-producer.ts';
import { noDelaySocketFactory } from './kafkajs-socket-factory.ts';
import type { KafkaSecurity } from '../kafka-security.ts';

export interface KafkajsClientOptions {
  readonly brokers: readonly string[];
  /** Default "kpo". */
  readonly clientId?: string;
  /** kafkajs log level. Default "error". */
  readonly logLevel?: KafkaLogLevel;
  /** Where kafkajs log lines go (a worker's logger). Default: a pino logger on stderr. */
  readonly logger?: Logger;
  /** Connection timeout. Default 3000 ms. */
  readonly connectionTimeoutMs?: number;
  /** TLS and SASL. Default: plaintext, no authentication. */
  readonly security?: KafkaSecurity;
}

/** kafkajs' ssl (node tls options) and sasl settings. */
function kafkajsSecurity(security: KafkaSecurity | undefined): Pick<kafkajs.KafkaConfig, 'ssl' | 'sasl'> {
  const tls = security?.tls;
  const sasl = security?.sasl;
  return {
    ...(tls ? { ssl: Object.keys(tls).length === 0 ? true : { ...tls } } : {}),
    ...(sasl
      ? {
          sasl:
            sasl.mechanism === 'plain'
              ? { mechanism: 'plain', username: sasl.username, password: sasl.password.reveal() }
              : { mechanism: 'scram-sha-512', username: sasl.username, password: sasl.password.reveal() },
        }
      : {}),
  };
}

export class KafkajsClient implements KafkaClientPort {
  private readonly kafka: kafkajs.Kafka;

  constructor(options: KafkajsClientOptions) {
    fixKafkajsIdleTimerLoop();
    fixKafkajsBrokerLoss();
    this.kafka = new kafkajs.Kafka({
      clientId: options.clientId ?? 'kpo',
      brokers: [...options.brokers],
      connectionTimeout: options.connectionTimeoutMs ?? 3_000,
      logLevel: kafkajsLogLevel(options.logLevel ?? 'error'),
      logCreator: kafkajsLogCreator(options.logger ?? createStderrLogger(options.clientId ?? 'kpo')),
      retry: { initialRetryTime: 100, retries: 8 },
      socketFactory: noDelaySocketFactory,
      ...kafkajsSecurity(options.security),
    });
  }

  createConsumer(options: ConsumerOptions): ConsumerPort {
    return new KafkajsConsumer(this.kafka, options);
  }

  createPartitionReader(options: PartitionReaderOptions): PartitionReaderPort {
    return new KafkajsPartitionReader(this.kafka, options, () => this.createAdmin());
  }

  createProducer(): ProducerPort {
    return new KafkajsProducer(this.kafka);
  }

  createAdmin(): AdminPort {
    return new KafkajsAdmin(this.kafka);
  }
}
