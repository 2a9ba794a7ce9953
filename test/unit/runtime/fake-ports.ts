/** In-memory stand-ins for the Kafka port, for unit tests of runtime pieces (never for integration tests). */
import type { OutgoingRecord, ProducerPort } from '../../../shared/kafka/kafka-port.ts';

export class RecordingProducer implements ProducerPort {
  readonly requests: OutgoingRecord[][] = [];
  failNext = 0;
  private release: (() => void) | undefined;
  gated = false;

  async connect(): Promise<void> {}
  async close(): Promise<void> {}

  async send(records: readonly OutgoingRecord[]): Promise<void> {
    this.requests.push([...records]);
    if (this.gated) await new Promise<void>((resolve) => (this.release = resolve));
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw new Error('broker said no');
    }
  }

  open(): void {
    this.gated = false;
    this.release?.();
  }

  get records(): OutgoingRecord[] {
    return this.requests.flat();
  }
}
