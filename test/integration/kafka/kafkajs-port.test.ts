import { KafkajsClient } from '../../../shared/kafka/kafkajs/kafkajs-client.ts';
import { serviceEndpoints } from '../../helpers/services.ts';
import { kafkaPortContract } from './kafka-port-contract.ts';
import { partitionReaderContract } from './partition-reader-contract.ts';

const client = (): KafkajsClient =>
  new KafkajsClient({ brokers: serviceEndpoints().kafkaBrokers, logLevel: 'nothing' });

kafkaPortContract('kafkajs', client);
partitionReaderContract('kafkajs', client);
