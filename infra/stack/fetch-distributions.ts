/**
 * Downloads Kafka and Apicurio Registry with Maven (infra/maven/pom.xml) into
 * the stack's dist folder, once. Later runs find them and skip Maven.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type { Prerequisites } from './prerequisites.ts';
import type { StackLayout } from './stack-layout.ts';
import { KpoError } from '../../shared/errors/kpo-error.ts';

const run = promisify(execFile);
const DOWNLOAD_TIMEOUT_MS = 15 * 60_000;

export function distributionsPresent(layout: StackLayout): boolean {
  const kafkaJar =
    existsSync(layout.kafkaLibs) && readdirSync(layout.kafkaLibs).some((f) => f.startsWith('kafka_2.13-'));
  return kafkaJar && existsSync(join(layout.registryDir, 'quarkus-run.jar'));
}

export async function fetchDistributions(
  layout: StackLayout,
  prerequisites: Prerequisites,
): Promise<boolean> {
  if (distributionsPresent(layout)) return false;
  rmSync(dirname(layout.kafkaLibs), { recursive: true, force: true });
  try {
    await run(
      prerequisites.mvn,
      ['-q', '-B', '-f', layout.pomPath, `-Dstack.dir=${layout.distDir}`, 'package'],
      {
        timeout: DOWNLOAD_TIMEOUT_MS,
        maxBuffer: 64 * 1024 * 1024,
      },
    );
  } catch (cause) {
    const output =
      String((cause as { stdout?: string }).stdout ?? '') +
      String((cause as { stderr?: string }).stderr ?? '');
    const firstError = output.split('\n').find((line) => line.includes('ERROR')) ?? String(cause);
    throw new KpoError(
      'KPO_STACK_START',
      `Maven could not download Kafka/Apicurio: ${firstError.trim()}. Fix: check network access to Maven Central, or run: mvn -f ${layout.pomPath} package`,
      { cause },
    );
  }
  if (!distributionsPresent(layout)) {
    throw new KpoError(
      'KPO_STACK_START',
      `Maven finished but ${layout.kafkaLibs} or ${layout.registryDir} is incomplete`,
    );
  }
  return true;
}
