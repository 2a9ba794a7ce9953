/**
 * Finds the programs the local stack needs and says, in one line, how to get
 * one that is missing. Kafka 4.x needs Java 17+; Apicurio Registry 3.3 is built
 * for Java 21+, so the registry may run on a second JDK.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findRedisServer, type RedisServerBinary } from './redis-binary.ts';
import type { StackLayout } from './stack-layout.ts';
import { prerequisiteMissing } from './stack-error.ts';
import { whichOrUndefined } from './which.ts';

export interface Prerequisites {
  /** java for the broker (17+). */
  readonly kafkaJava: string;
  /** java for the registry (21+). */
  readonly registryJava: string;
  readonly mvn: string;
  readonly redisServer: RedisServerBinary;
}

interface Jdk {
  readonly java: string;
  readonly major: number;
}

export function findPrerequisites(layout: StackLayout, env: NodeJS.ProcessEnv = process.env): Prerequisites {
  const jdks = findJdks(env);
  const kafkaJava = pick(jdks, 17);
  const registryJava = env.KPO_REGISTRY_JAVA ?? pick(jdks, 21);
  if (!kafkaJava) {
    throw prerequisiteMissing(
      'no Java 17+ found (Kafka 4 needs it)',
      'apt-get install openjdk-17-jre-headless, or set JAVA_HOME',
    );
  }
  if (!registryJava) {
    throw prerequisiteMissing(
      `no Java 21+ found for Apicurio Registry (found: ${jdks.map((j) => `${j.java} (${j.major})`).join(', ')})`,
      'install a JDK 21 or newer under /usr/lib/jvm, or point KPO_REGISTRY_JAVA at its bin/java',
    );
  }
  return {
    kafkaJava,
    registryJava,
    mvn: onPath('mvn', 'apt-get install maven', env),
    redisServer: findRedisServer(layout, env),
  };
}

/** Prefers the lowest JDK that is new enough: it is the best-tested one for the job. */
function pick(jdks: readonly Jdk[], minimum: number): string | undefined {
  return [...jdks].filter((j) => j.major >= minimum).sort((a, b) => a.major - b.major)[0]?.java;
}

function findJdks(env: NodeJS.ProcessEnv): Jdk[] {
  const homes = new Set<string>();
  if (env.JAVA_HOME) homes.add(env.JAVA_HOME);
  if (existsSync('/usr/lib/jvm')) {
    for (const name of readdirSync('/usr/lib/jvm')) homes.add(join('/usr/lib/jvm', name));
  }
  const jdks: Jdk[] = [];
  for (const home of homes) {
    const java = join(home, 'bin', 'java');
    const major = existsSync(java) ? releaseMajor(home) : undefined;
    if (major !== undefined && !jdks.some((j) => j.major === major)) jdks.push({ java, major });
  }
  const pathJava = whichOrUndefined('java', env);
  if (pathJava && jdks.length === 0) {
    const major = javaMajorFromVersionOutput(pathJava);
    if (major !== undefined) jdks.push({ java: pathJava, major });
  }
  return jdks;
}

function releaseMajor(home: string): number | undefined {
  const release = join(home, 'release');
  if (!existsSync(release)) return undefined;
  const match = /JAVA_VERSION="(\d+)/.exec(readFileSync(release, 'utf8'));
  return match?.[1] ? Number(match[1]) : undefined;
}

function javaMajorFromVersionOutput(java: string): number | undefined {
  try {
    const out = execFileSync(java, ['-version'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 10_000,
    });
    return parseMajor(out);
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr;
    return stderr ? parseMajor(stderr) : undefined;
  }
}

function parseMajor(text: string): number | undefined {
  const match = /version "(\d+)/.exec(text);
  return match?.[1] ? Number(match[1]) : undefined;
}

function onPath(program: string, fix: string, env: NodeJS.ProcessEnv): string {
  const found = whichOrUndefined(program, env);
  if (!found) throw prerequisiteMissing(`${program} not found on PATH`, fix);
  return found;
}
