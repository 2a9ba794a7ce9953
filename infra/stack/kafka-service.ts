/**
 * Apache Kafka 4.x as a single combined broker+controller (KRaft) on loopback.
 * Storage is formatted fresh on every start: the local stack is for tests and
 * demos, and a clean cluster id avoids stale-metadata surprises.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import type { LocalService } from './local-service.ts';
import type { StackLayout } from './stack-layout.ts';
import { startDetached } from './service-process.ts';

const run = promisify(execFile);

export function kafkaService(layout: StackLayout): LocalService {
  const { kafka: port, kafkaController: controllerPort } = layout.ports;
  const dataDir = layout.dataDir('kafka');
  const configDir = join(dataDir, 'config');
  const classpath = join(layout.kafkaLibs, '*');
  return {
    name: 'kafka',
    port,
    endpoint: `127.0.0.1:${port}`,
    version: layout.versions.kafka,
    async start(prerequisites) {
      rmSync(dataDir, { recursive: true, force: true });
      mkdirSync(configDir, { recursive: true });
      const serverProperties = join(configDir, 'server.properties');
      writeFileSync(serverProperties, serverConfig(port, controllerPort, join(dataDir, 'logs')));
      const log4j = join(configDir, 'log4j2.properties');
      writeFileSync(log4j, LOG4J2_CONFIG);
      // A base64 UUID, as StorageTool random-uuid prints, without a second JVM start.
      const clusterId = Buffer.from(randomUUID().replace(/-/g, ''), 'hex').toString('base64url');
      await run(
        prerequisites.kafkaJava,
        [
          '-cp',
          classpath,
          `-Dlog4j2.configurationFile=${log4j}`,
          'kafka.tools.StorageTool',
          'format',
          '--standalone',
          // One argument: a base64url id can start with "-", which argparse would take for an option.
          `--cluster-id=${clusterId}`,
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
        logFile: layout.logFile('kafka'),
        pidFile: layout.pidFile('kafka'),
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
        const cluster = await admin.describeCluster();
        return cluster.brokers.length > 0;
      } catch {
        return false;
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
    },
  };
}

function serverConfig(port: number, controllerPort: number, logDir: string): string {
  return `# Written by infra/stack (kpo local stack). Single node, loopback only.
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:${controllerPort}
listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}
advertised.listeners=PLAINTEXT://127.0.0.1:${port}
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=${logDir}
num.partitions=6
default.replication.factor=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
log.retention.hours=24
log.segment.bytes=67108864
`;
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
