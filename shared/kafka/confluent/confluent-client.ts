/**
 * The librdkafka adapter's entry point (@confluentinc/kafka-javascript),
 * handing out port implementations. The only module (with its siblings) that
 * loads the native client; it is loaded when the first client is created, so
 * the kafkajs paths never need it.
 */
import type {
  AdminPort,
  ConsumerOptions,
  ConsumerPort,
  KafkaClientPort,
  PartitionReaderOptions,
  PartitionReaderPort,
  ProducerPort,
} from '../kafka-port.ts';
import { ConfluentAdmin } from './confluent-admin.ts';
import { ConfluentConsumer } from './confluent-consumer.ts';
import { ConfluentPartitionReader } from './confluent-partition-reader.ts';
import { ConfluentProducer } from './confluent-producer.ts';
import { loadLibrdkafka, type LibrdkafkaBinding, type LibrdkafkaConfig } from './librdkafka-binding.ts';
import type { KafkaSecurity } from '../kafka-security.ts';

export interface ConfluentClientOptions {
  readonly brokers: readonly string[];
  /** Default "kpo". */
  readonly clientId?: string;
  /** Connection setup timeout. Default 3000 ms. */
  readonly connectionTimeoutMs?: number;
  /** TLS and SASL. Default: plaintext, no authentication. */
  readonly security?: KafkaSecurity;
}

/** librdkafka's security.protocol, sasl.* and ssl.* settings (PEM texts, not file paths). */
function librdkafkaSecurity(security: KafkaSecurity | undefined): LibrdkafkaConfig {
  const tls = security?.tls;
  const sasl = security?.sasl;
  const protocol = sasl ? (tls ? 'sasl_ssl' : 'sasl_plaintext') : tls ? 'ssl' : 'plaintext';
  return {
    'security.protocol': protocol,
    ...(tls?.ca ? { 'ssl.ca.pem': tls.ca } : {}),
    ...(tls?.cert ? { 'ssl.certificate.pem': tls.cert } : {}),
    ...(tls?.key ? { 'ssl.key.pem': tls.key } : {}),
    ...(sasl
      ? {
          'sasl.mechanisms': sasl.mechanism === 'plain' ? 'PLAIN' : 'SCRAM-SHA-512',
          'sasl.username': sasl.username,
          'sasl.password': sasl.password.reveal(),
        }
      : {}),
  };
}

export class ConfluentClient implements KafkaClientPort {
  private readonly rd: LibrdkafkaBinding;
  private readonly common: LibrdkafkaConfig;

  constructor(options: ConfluentClientOptions) {
    this.rd = loadLibrdkafka();
    this.common = {
      'bootstrap.servers': options.brokers.join(','),
      'client.id': options.clientId ?? 'kpo',
      'socket.connection.setup.timeout.ms': options.connectionTimeoutMs ?? 3_000,
      // Same reconnect pace as the kafkajs adapter's retry (100 ms first, then backing off).
      'reconnect.backoff.ms': 100,
      'reconnect.backoff.max.ms': 5_000,
      // Small requests go out at once (TCP_NODELAY, as the Java client and the kafkajs adapter do).
      'socket.nagle.disable': true,
      ...librdkafkaSecurity(options.security),
    };
  }

  createConsumer(options: ConsumerOptions): ConsumerPort {
    return new ConfluentConsumer(this.rd, this.common, options);
  }

  createPartitionReader(options: PartitionReaderOptions): PartitionReaderPort {
    return new ConfluentPartitionReader(this.rd, this.common, options);
  }

  createProducer(): ProducerPort {
    return new ConfluentProducer(this.rd, this.common);
  }

  createAdmin(): AdminPort {
    return new ConfluentAdmin(this.rd, this.common);
  }
}
