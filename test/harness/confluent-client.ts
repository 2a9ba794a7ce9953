/**
 * The librdkafka Kafka client (@confluentinc/kafka-javascript) for the tests that run the port contract with it.
 * It is built natively by scripts/install-confluent-client.sh, which does nothing when the pinned version loads,
 * installs Debian's headers first when it runs as root (as CI does), and otherwise stops with one line naming them.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from '../../shared/config/stack-endpoints.ts';

const run = promisify(execFile);
/** apt-get plus a native build on 2 cores; measured at a few minutes. */
const BUILD_TIMEOUT_MS = 20 * 60_000;

export async function ensureConfluentClient(log: (line: string) => void): Promise<void> {
  const script = join(PROJECT_ROOT, 'scripts', 'install-confluent-client.sh');
  log('librdkafka client: checking (the first run builds it natively, which takes minutes)');
  try {
    const { stdout } = await run('bash', [script], {
      cwd: PROJECT_ROOT,
      timeout: BUILD_TIMEOUT_MS,
      maxBuffer: 64 * 1024 * 1024,
    });
    for (const line of stdout.split('\n').filter((l) => l.startsWith('confluent client:'))) log(line);
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    const reason =
      stderr.trim().split('\n').at(-1) ?? (error instanceof Error ? error.message : String(error));
    throw new Error(`the librdkafka client could not be installed: ${reason}`);
  }
}
