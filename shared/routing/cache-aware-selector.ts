/**
 * The cache-aware EndpointSelector, driven by EndpointPool.stream():
 *
 * - prepare() looks the request's hints up (its `routing`: session and prefix
 *   block hashes), one Redis round trip bounded by lookupTimeoutMs;
 * - select() scores the candidates (replica-scorer.ts), counts the request
 *   on its replica, remembers the decision in Redis without waiting, and
 *   adds llama.cpp slot hints (cache_prompt, the session's id_slot);
 * - finished() ends the bookkeeping and records the slot the server reported.
 *
 * State lives per request object (a WeakMap), so nothing outlives a request
 * and a redelivered request ID is a request of its own.
 *
 * When Redis fails or is slow the request is routed on what this worker
 * knows alone — its own in-flight counts and the sessions it routed itself
 * (Kafka keeps a session on one worker) — reason redis_unavailable; it never
 * fails for it, and a counter shows it. A request without `routing`, or one
 * picked without prepare() (the micro-batcher's), is routed on load alone.
 */
import { randomBytes } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type {
  EndpointChoice,
  EndpointSelector,
  EndpointView,
  SelectionOutcome,
} from '../model/endpoint-selector.ts';
import type { GenerationRequest, RequestRouting, RoutingHints } from '../model/types.ts';
import { chooseReplica, minMatchFor, type ScoredCandidate, type ScoredChoice } from './replica-scorer.ts';
import type { HintSnapshot, RoutingHintStore, SessionHint } from './routing-hint-store.ts';
import { NO_ROUTING_METRICS, type RoutingMetrics } from './routing-metrics.ts';
import type { RoutingOptions } from './routing-options.ts';
import { withinBudget } from './within-budget.ts';

interface PreparedRoute {
  readonly key: RequestRouting;
  /** Redis's answer, or this worker's own memory of the session when Redis failed. */
  readonly snapshot: HintSnapshot | undefined;
  readonly fromRedis: boolean;
  chosen?: ScoredChoice & { sticky: boolean };
}

export class CacheAwareSelector implements EndpointSelector {
  readonly workerId: string;
  private readonly prepared = new WeakMap<GenerationRequest, PreparedRoute>();
  private readonly inFlight = new Map<string, number>();
  /** Other workers' in-flight requests per replica, as of the last lookup that answered. */
  private readonly othersSeen = new Map<string, number>();
  /** Sessions this worker routed, for routing without Redis. */
  private readonly recentSessions: LRUCache<string, SessionHint> | undefined;
  private readonly heartbeat: NodeJS.Timeout;
  private turn = 0;

  constructor(
    private readonly store: RoutingHintStore,
    private readonly options: RoutingOptions,
    private readonly metrics: RoutingMetrics = NO_ROUTING_METRICS,
    workerId?: string,
  ) {
    this.workerId = workerId ?? `w-${randomBytes(6).toString('hex')}`;
    this.recentSessions =
      options.localSessionHints > 0 ? new LRUCache({ max: options.localSessionHints }) : undefined;
    this.heartbeat = setInterval(() => this.publishLoad(), options.loadHeartbeatMs);
    this.heartbeat.unref();
  }

  /** This worker's in-flight requests per replica (routed and not yet finished). */
  localInFlight(replica: string): number {
    return this.inFlight.get(replica) ?? 0;
  }

  /** One hint lookup for a request with `routing`, bounded by lookupTimeoutMs. Never rejects. */
  async prepare(request: GenerationRequest, candidates: readonly EndpointView[]): Promise<void> {
    const key = request.routing;
    if (key === undefined) return;
    try {
      const snapshot = await withinBudget(
        this.store.lookup({
          sessionId: key.sessionId,
          blockHashes: key.prefixBlockHashes,
          replicas: candidates.map((view) => view.name),
          workerId: this.workerId,
        }),
        this.options.lookupTimeoutMs,
      );
      this.prepared.set(request, { key, snapshot, fromRedis: true });
    } catch {
      this.metrics.hintStoreFailure('lookup');
      const local = this.recentSessions?.get(key.sessionId);
      const snapshot = local === undefined ? undefined : { session: local, replicas: new Map() };
      this.prepared.set(request, { key, snapshot, fromRedis: false });
    }
  }

  select(request: GenerationRequest, candidates: readonly EndpointView[]): EndpointChoice {
    const route = this.prepared.get(request);
    const scored = candidates.map((view) => this.scored(view, route));
    const promptBlocks = route?.key.prefixBlockHashes.length ?? 0;
    let choice = chooseReplica(scored, this.options, this.turn++, promptBlocks);
    if (route !== undefined && !route.fromRedis) choice = { ...choice, reason: 'redis_unavailable' };
    if (route?.fromRedis === true && route.chosen === undefined) {
      const minMatch = minMatchFor(promptBlocks, this.options);
      const hit = scored.some((c) => c.matchBlocks > 0 && c.matchBlocks >= minMatch);
      this.metrics.hintLookup(hit ? 'hit' : 'miss');
    }
    this.metrics.routingDecision(choice.reason, choice.name);
    for (const candidate of scored) {
      const others = route?.snapshot?.replicas.get(candidate.name)?.othersInFlight;
      if (others !== undefined) this.othersSeen.set(candidate.name, others);
      this.metrics.replicaLoad(candidate.name, candidate.load);
    }
    const chosenView = candidates.find((view) => view.name === choice.name)!;
    const sticky = route?.snapshot?.session?.replica === choice.name;
    if (route !== undefined) this.commit(route, { ...choice, sticky });
    return { endpoint: choice.name, ...this.hintsFor(chosenView, route, sticky) };
  }

  /** Ends a request's routing bookkeeping (the pool calls it once per routed stream). */
  finished(request: GenerationRequest, _endpoint: string, outcome: SelectionOutcome): void {
    const route = this.prepared.get(request);
    this.prepared.delete(request);
    const chosen = route?.chosen;
    if (route === undefined || chosen === undefined) return;
    const count = this.release(chosen.name);
    const result = outcome.kind === 'done' ? outcome.result : undefined;
    if (result !== undefined && result.usage.promptTokens > 0) {
      this.metrics.cachedTokenRatio(result.endpoint, result.usage.cachedTokens / result.usage.promptTokens);
      if (chosen.reason === 'prefix_hit' || chosen.reason === 'session_sticky') {
        this.metrics.hintConfirmed(result.endpoint, result.usage.cachedTokens > 0);
      }
    }
    const slot = result?.endpoint === chosen.name ? result.slot : undefined;
    if (slot !== undefined) this.rememberSlot(route.key.sessionId, chosen.name, slot);
    this.metrics.replicaLoad(chosen.name, count + (this.othersSeen.get(chosen.name) ?? 0));
    this.background(
      this.store.recordFinished({
        sessionId: route.key.sessionId,
        replica: chosen.name,
        workerId: this.workerId,
        workerInFlight: count,
        ...(slot === undefined ? {} : { slot }),
      }),
    );
  }

  /** Stops the load heartbeat. */
  close(): void {
    clearInterval(this.heartbeat);
  }

  private scored(view: EndpointView, route: PreparedRoute | undefined): ScoredCandidate {
    const local = Math.max(this.localInFlight(view.name), view.inFlight);
    const replica = route?.snapshot?.replicas.get(view.name);
    const session = route?.snapshot?.session;
    let matchBlocks = replica?.matchBlocks ?? 0;
    let sessionReplica = false;
    if (route !== undefined && session !== undefined && session.replica === view.name) {
      const hashes = route.key.prefixBlockHashes;
      const holds = session.blocks === 0 || hashes[session.blocks - 1] === session.tailHash;
      if (holds) {
        sessionReplica = true;
        matchBlocks = Math.max(matchBlocks, session.blocks);
      }
    }
    return { name: view.name, matchBlocks, load: local + (replica?.othersInFlight ?? 0), sessionReplica };
  }

  /** Counts the request on its replica and remembers the decision in Redis (not awaited). */
  private commit(route: PreparedRoute, choice: ScoredChoice & { sticky: boolean }): void {
    if (route.chosen !== undefined) this.release(route.chosen.name); // a retry moved it
    route.chosen = choice;
    const hashes = route.key.prefixBlockHashes;
    const slot = this.sessionSlot(route, choice.sticky);
    this.recentSessions?.set(route.key.sessionId, {
      replica: choice.name,
      ...(slot === undefined ? {} : { slot }),
      blocks: hashes.length,
      tailHash: hashes.at(-1) ?? '',
      atMs: Date.now(),
    });
    const count = (this.inFlight.get(choice.name) ?? 0) + 1;
    this.inFlight.set(choice.name, count);
    this.background(
      this.store.recordRouted({
        sessionId: route.key.sessionId,
        replica: choice.name,
        blockHashes: hashes,
        workerId: this.workerId,
        workerInFlight: count,
        ...(slot === undefined ? {} : { slot }),
      }),
    );
  }

  /** The session's llama.cpp slot, when the request goes back to the session's replica. */
  private sessionSlot(route: PreparedRoute | undefined, sticky: boolean): number | undefined {
    return sticky ? route?.snapshot?.session?.slot : undefined;
  }

  private rememberSlot(sessionId: string, replica: string, slot: number): void {
    const local = this.recentSessions?.get(sessionId);
    if (local !== undefined && local.replica === replica)
      this.recentSessions?.set(sessionId, { ...local, slot });
  }

  private release(replica: string): number {
    const count = Math.max(0, (this.inFlight.get(replica) ?? 0) - 1);
    if (count === 0) this.inFlight.delete(replica);
    else this.inFlight.set(replica, count);
    return count;
  }

  /** llama.cpp: reuse the slot's cached prompt, pinned to the session's slot when known and sticky. */
  private hintsFor(
    view: EndpointView,
    route: PreparedRoute | undefined,
    sticky: boolean,
  ): { hints?: RoutingHints } {
    if (!view.capabilities.slots) return {};
    return { hints: { cachePrompt: true, idSlot: this.sessionSlot(route, sticky) ?? -1 } };
  }

  private publishLoad(): void {
    if (this.inFlight.size === 0) return;
    this.background(this.store.publishLoad(this.workerId, new Map(this.inFlight)));
  }

  private background(write: Promise<void>): void {
    write.catch(() => this.metrics.hintStoreFailure('write'));
  }
}
