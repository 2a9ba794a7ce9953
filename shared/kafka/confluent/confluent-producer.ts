/**
 * ProducerPort over librdkafka's producer: idempotent, acks=all, the
 * Java-compatible murmur2 partitioner for keyed records. librdkafka batches
 * and retries on its own (an idempotent producer retries until
 * message.timeout.ms); send() resolves once every record's delivery report
 * came back, and rejects with the first failed one.
 */
import type { OutgoingRecord, ProducerPort } from '../kafka-port.ts';
import { confluentKafkaError, rdCall } from './confluent-errors.ts';
import type { LibrdkafkaBinding, LibrdkafkaConfig, RdProducer } from './librdkafka-binding.ts';

const CONNECT_TIMEOUT_MS = 10_000;
const FLUSH_TIMEOUT_MS = 10_000;

interface Delivery {
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

function headerList(headers: OutgoingRecord['headers']): Record<string, string | Buffer>[] | null {
  if (!headers) return null;
  return Object.entries(headers).map(([name, value]) => ({ [name]: value }));
}

export class ConfluentProducer implements ProducerPort {
  private readonly producer: RdProducer;
  private connected = false;

  constructor(rd: LibrdkafkaBinding, common: LibrdkafkaConfig) {
    this.producer = new rd.Producer({
      ...common,
      'enable.idempotence': true,
      acks: -1,
      // Keyed records go where the Java client (and kafkajs' DefaultPartitioner) would put them.
      partitioner: 'murmur2_random',
      // The runtime batches its own sends; waiting longer here only adds latency.
      'linger.ms': 1,
      dr_cb: true,
    });
    this.producer.on('delivery-report', (error, report) => {
      const delivery = report.opaque as Delivery;
      if (error) delivery.reject(error);
      else delivery.resolve();
    });
    this.producer.on('event.error', () => undefined); // transient broker errors: librdkafka retries
  }

  async connect(): Promise<void> {
    if (this.connected) return;
    await rdCall('producer connect failed', {}, (done) =>
      this.producer.connect({ timeout: CONNECT_TIMEOUT_MS }, done),
    );
    this.producer.setPollInBackground(true);
    this.connected = true;
  }

  async send(records: readonly OutgoingRecord[]): Promise<void> {
    if (records.length === 0) return;
    // A record librdkafka refuses rejects its own promise (the executor throws); Promise.all
    // handles every rejection and reports the first.
    const deliveries = records.map(
      (record) => new Promise<void>((resolve, reject) => this.produce(record, { resolve, reject })),
    );
    try {
      await Promise.all(deliveries);
    } catch (error) {
      throw confluentKafkaError(error, 'produce failed', { topic: records[0]?.topic });
    }
  }

  /** Throws at once when librdkafka refuses the record (its local queue is full: retryable). */
  private produce(record: OutgoingRecord, delivery: Delivery): void {
    this.producer.produce(
      record.topic,
      record.partition ?? -1,
      record.value,
      record.key,
      0,
      delivery,
      headerList(record.headers),
    );
  }

  async close(): Promise<void> {
    if (!this.connected) return;
    this.connected = false;
    await rdCall('producer flush failed', {}, (done) => this.producer.flush(FLUSH_TIMEOUT_MS, done)).catch(
      () => undefined,
    );
    await rdCall('producer close failed', {}, (done) => this.producer.disconnect(done));
  }
}
