/**
 * The port contract for the librdkafka adapter (@confluentinc/kafka-javascript).
 * The package is built natively by scripts/install-confluent-client.sh (npm test
 * runs it); where it is missing this file fails with that line — it never skips.
 */
import { ConfluentClient } from '../../../shared/kafka/confluent/confluent-client.ts';
import { serviceEndpoints } from '../../helpers/services.ts';
import { kafkaPortContract } from './kafka-port-contract.ts';
import { partitionReaderContract } from './partition-reader-contract.ts';

const client = (): ConfluentClient => new ConfluentClient({ brokers: serviceEndpoints().kafkaBrokers });

kafkaPortContract('confluent', client, { cooperative: true });
partitionReaderContract('confluent', client);
