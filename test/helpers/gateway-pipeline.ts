/**
 * A test pipeline (worker processes, simulated model) with gateways in front
 * of it, in this process, on free ports.
 */
import { loadPipelineConfig } from '../../shared/config/load-pipeline-config.ts';
import { startLocalPipeline, type LocalPipeline } from '../../cli/local-pipeline/local-pipeline.ts';
import { startGateway, type RunningGateway } from '../../gateway/start-gateway.ts';
import { writeTestPipelineConfig } from './test-pipeline-config.ts';

export interface GatewayPipeline {
  readonly pipeline: LocalPipeline;
  /** Starts one more gateway replica with extra environment (keys, limits). */
  gateway(env?: NodeJS.ProcessEnv): Promise<RunningGateway>;
  stop(): Promise<void>;
}

export async function startGatewayPipeline(modelSimArgs: readonly string[] = []): Promise<GatewayPipeline> {
  const { env } = writeTestPipelineConfig();
  const pipeline = await startLocalPipeline({ model: 'sim', workerEnv: env, modelReplicas: 1, modelSimArgs });
  const config = loadPipelineConfig({ env: { ...process.env, ...pipeline.env } });
  const gateways: RunningGateway[] = [];
  return {
    pipeline,
    async gateway(extraEnv = {}) {
      const gateway = await startGateway({
        config,
        port: 0,
        env: { ...process.env, ...extraEnv },
        replicaName: `test-gateway-${gateways.length}`,
        eventTimeoutMs: 60_000,
      });
      gateways.push(gateway);
      return gateway;
    },
    async stop() {
      await Promise.allSettled(gateways.map((g) => g.stop()));
      await pipeline.stop();
    },
  };
}
