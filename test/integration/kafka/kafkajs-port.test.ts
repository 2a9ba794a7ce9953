import { KafkajsClient } from '../../../shared/kafka/kafkajs/kafkajs-client.ts';
import { serviceEndpoints } from '../../helpers/services.ts';
import { kafkaPortContract } from './kafka-port-contract.ts';

kafkaPortContract(
  'kafkajs',
  () => new KafkajsClient({ brokers: serviceEndpoints().kafkaBrokers, logLevel: 'nothing' }),
);
