/**
 * Apache Kafka 4.x (KRaft) on loopback: one combined broker+controller, or a
 * cluster of several. Storage is formatted fresh on every start: the local
 * stack is for tests and demos, and a clean cluster id avoids stale-metadata
 * surprises.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import type { LocalService } from './local-service.ts';
import type { ServiceName, StackLayout } from './stack-layout.ts';
import { startDetached } from './service-process.ts';
import type { SecureMaterial } from './secure-material.ts';

const run = promisify(execFile);

/** How a node's storage is formatted and what its quorum is: one node alone, or one of a static quorum. */
interface KafkaCluster {
  readonly nodes: number;
  readonly clusterId: string;
  /** `up --secure`: SASL_SSL and mutual-TLS listeners beside the loopback PLAINTEXT one. */
  readonly secure: SecureMaterial | undefined;
}

/**
 * The Kafka nodes of the stack. One node (the default) is broker and controller of its own. Several nodes
 * (`up --brokers 3`) are each broker and controller, a static 3-voter quorum: any one of them may die and the
 * cluster keeps a controller majority and two in-sync replicas of every partition (replication factor 3,
 * min.insync.replicas 2), so acks=all producers keep writing. Three combined JVMs rather than 1 controller +
 * 3 brokers: one JVM fewer on a small machine, and the same config for every node.
 */
export function kafkaServices(layout: StackLayout, nodes: number, secure?: SecureMaterial): LocalService[] {
  // A base64 UUID, as StorageTool random-uuid prints, without a second JVM start; shared by every node.
  const cluster = {
    nodes,
    secure,
    clusterId: Buffer.from(randomUUID().replace(/-/g, ''), 'hex').toString('base64url'),
  };
  return Array.from({ length: nodes }, (_, index) => kafkaNode(layout, cluster, index));
}

/** The stack's name for Kafka node `index` (0-based): kafka, kafka-2, kafka-3, … */
export function kafkaNodeName(index: number): ServiceName {
  return index === 0 ? 'kafka' : `kafka-${index + 1}`;
}

function kafkaNode(layout: StackLayout, cluster: KafkaCluster, index: number): LocalService {
  const name = kafkaNodeName(index);
  const { client: port } = layout.kafkaNodePorts(index);
  const dataDir = layout.dataDir(name);
  const configDir = join(dataDir, 'config');
  const classpath = join(layout.kafkaLibs, '*');
  return {
    name,
    port,
    endpoint: `127.0.0.1:${port}`,
    version: layout.versions.kafka,
    async start(prerequisites) {
      rmSync(dataDir, { recursive: true, force: true });
      mkdirSync(configDir, { recursive: true });
      const serverProperties = join(configDir, 'server.properties');
      // Mode 0600: a secured node's config holds its PLAIN users' passwords.
      writeFileSync(serverProperties, serverConfig(layout, cluster, index, join(dataDir, 'logs')), {
        mode: 0o600,
      });
      const log4j = join(configDir, 'log4j2.properties');
      writeFileSync(log4j, LOG4J2_CONFIG);
      await run(
        prerequisites.kafkaJava,
        [
          '-cp',
          classpath,
          `-Dlog4j2.configurationFile=${log4j}`,
          'kafka.tools.StorageTool',
          'format',
          // A single node bootstraps its own quorum; several nodes name their voters in the config.
          ...(cluster.nodes === 1 ? ['--standalone'] : []),
          // One argument: a base64url id can start with "-", which argparse would take for an option.
          `--cluster-id=${cluster.clusterId}`,
          ...(cluster.secure ? ['--add-scram', scramCredential(cluster.secure)] : []),
          '-c',
          serverProperties,
        ],
        { timeout: 60_000 },
      );
      return startDetached({
        command: prerequisites.kafkaJava,
        args: [
          '-Xms256m',
          '-Xmx768m',
          '-XX:+UseG1GC',
          '-XX:TieredStopAtLevel=1',
          '-Djava.awt.headless=true',
          `-Dlog4j2.configurationFile=${log4j}`,
          '-cp',
          classpath,
          'kafka.Kafka',
          serverProperties,
        ],
        logFile: layout.logFile(name),
        pidFile: layout.pidFile(name),
      });
    },
    async probe(timeoutMs) {
      const kafka = new Kafka({
        clientId: 'kpo-stack-probe',
        brokers: [`127.0.0.1:${port}`],
        connectionTimeout: timeoutMs,
        requestTimeout: timeoutMs,
        retry: { retries: 0 },
        logLevel: logLevel.NOTHING,
      });
      const admin = kafka.admin();
      try {
        await admin.connect();
        const described = await admin.describeCluster();
        return described.brokers.some((broker) => broker.port === port);
      } catch {
        return false;
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
    },
  };
}

function serverConfig(layout: StackLayout, cluster: KafkaCluster, index: number, logDir: string): string {
  const { client: port, controller: controllerPort } = layout.kafkaNodePorts(index);
  const voters = Array.from(
    { length: cluster.nodes },
    (_, i) => `${i + 1}@127.0.0.1:${layout.kafkaNodePorts(i).controller}`,
  ).join(',');
  const quorum =
    cluster.nodes === 1
      ? `controller.quorum.bootstrap.servers=127.0.0.1:${controllerPort}`
      : `controller.quorum.voters=${voters}`;
  // Replicas of every topic, internal ones included: all nodes, at most 3; one may be down for writes to go on.
  const replicas = Math.min(cluster.nodes, 3);
  const minInsync = Math.max(1, replicas - 1);
  return `# Written by infra/stack (kpo local stack). Node ${index + 1} of ${cluster.nodes}, loopback only.
process.roles=broker,controller
node.id=${index + 1}
${quorum}
${listenerConfig(layout, cluster, port, controllerPort)}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
log.dirs=${logDir}
num.partitions=6
default.replication.factor=${replicas}
min.insync.replicas=${minInsync}
offsets.topic.replication.factor=${replicas}
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=${replicas}
transaction.state.log.min.isr=${minInsync}
share.coordinator.state.topic.replication.factor=${replicas}
share.coordinator.state.topic.min.isr=${minInsync}
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
log.retention.hours=24
log.segment.bytes=67108864
`;
}

function listenerConfig(
  layout: StackLayout,
  cluster: KafkaCluster,
  port: number,
  controllerPort: number,
): string {
  const { secure } = cluster;
  if (!secure) {
    return `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}
advertised.listeners=PLAINTEXT://127.0.0.1:${port}
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT`;
  }
  const { kafkaSasl: sasl, kafkaMtls: mtls } = layout.ports;
  const password = readFileSync(secure.passwordFile, 'utf8');
  // PLAINTEXT stays for the stack's own probe and inter-broker traffic, on loopback.
  return `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort},SASL_SSL://127.0.0.1:${sasl},SSL://127.0.0.1:${mtls}
advertised.listeners=PLAINTEXT://127.0.0.1:${port},SASL_SSL://127.0.0.1:${sasl},SSL://127.0.0.1:${mtls}
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL,SSL:SSL
sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-512
ssl.keystore.type=PEM
ssl.keystore.location=${secure.brokerKeystoreFile}
ssl.truststore.type=PEM
ssl.truststore.location=${secure.caFile}
listener.name.ssl.ssl.client.auth=required
listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_${secure.username}="${password}";
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;`;
}

/** The SCRAM-SHA-512 user StorageTool writes into the cluster metadata at format time. */
function scramCredential(secure: SecureMaterial): string {
  const password = readFileSync(secure.passwordFile, 'utf8');
  return `SCRAM-SHA-512=[name=${secure.username},password=${password}]`;
}

const LOG4J2_CONFIG = `status = warn
appender.stdout.type = Console
appender.stdout.name = STDOUT
appender.stdout.layout.type = PatternLayout
appender.stdout.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.stdout.ref = STDOUT
logger.kafka.name = kafka.server.KafkaRaftServer
logger.kafka.level = INFO
`;
