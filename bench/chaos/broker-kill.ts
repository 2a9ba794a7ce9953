/**
 * The chaos bench's broker mode: one node of a multi-node local stack is
 * SIGKILLed (no clean shutdown: its leaderships move only when the controller
 * notices it is gone) and later started again on its data, with the very
 * command line it ran (the stack's own start would format its storage).
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { kafkaNodeName, kafkaServices } from '../../infra/stack/kafka-service.ts';
import { isAlive, readPid, startDetached } from '../../infra/stack/service-process.ts';
import type { StackLayout } from '../../infra/stack/stack-layout.ts';
import type { Window } from './output-ledger.ts';

/** How long a restarted node may take to answer again (a cold JVM on a busy 2-core machine). */
const BACK_TIMEOUT_MS = 90_000;

export class BrokerKill {
  /** From the SIGKILL until the restart began. */
  down: Window | undefined;
  /** From the restart until the node answered again. */
  rejoin: Window | undefined;
  private commandLine: string[] | undefined;

  /** `node` is 1-based (node 1 is the stack's `kafka`, node 2 `kafka-2`, …). */
  constructor(
    private readonly layout: StackLayout,
    private readonly nodes: number,
    private readonly node: number,
    private readonly log: (line: string) => void,
  ) {
    if (nodes < 3) {
      throw new Error(
        `broker mode needs a stack of 3 Kafka brokers, this one has ${nodes}: npm run stack -- down, then npm run stack -- up --brokers 3`,
      );
    }
    if (!Number.isInteger(node) || node < 1 || node > nodes) {
      throw new Error(`broker to kill: ${node}, expected 1..${nodes}`);
    }
  }

  private get name(): string {
    return kafkaNodeName(this.node - 1);
  }

  async kill(): Promise<void> {
    const pidFile = this.layout.pidFile(kafkaNodeName(this.node - 1));
    const pid = readPid(pidFile);
    if (pid === undefined || !isAlive(pid))
      throw new Error(`${this.name} is not running (no live pid in ${pidFile})`);
    // Read before the kill: /proc/<pid> goes with the process.
    this.commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
      .split('\0')
      .filter((arg) => arg !== '');
    const startMs = Date.now();
    process.kill(pid, 'SIGKILL');
    while (isAlive(pid)) await sleep(20);
    this.down = { startMs, endMs: startMs };
    this.log(`SIGKILLed broker ${this.name} (pid ${pid})`);
  }

  async restart(): Promise<void> {
    const [command, ...args] = this.commandLine ?? [];
    if (command === undefined || this.down === undefined) throw new Error('restart before kill');
    const startMs = Date.now();
    this.down = { startMs: this.down.startMs, endMs: startMs };
    startDetached({
      command,
      args,
      logFile: `${this.layout.logFile(kafkaNodeName(this.node - 1))}.restarted`,
      pidFile: this.layout.pidFile(kafkaNodeName(this.node - 1)),
    });
    const service = kafkaServices(this.layout, this.nodes)[this.node - 1]!;
    const deadline = startMs + BACK_TIMEOUT_MS;
    while (!(await service.probe(1_000))) {
      if (Date.now() > deadline) throw new Error(`${this.name} not back within ${BACK_TIMEOUT_MS} ms`);
      await sleep(250);
    }
    this.rejoin = { startMs, endMs: Date.now() };
    this.log(`broker ${this.name} back after ${Date.now() - startMs} ms`);
  }
}
