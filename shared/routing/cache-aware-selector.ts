/**
 * The cache-aware EndpointSelector. EndpointPool calls select() synchronously,
 * so the Redis round trip happens before, in prepare(): it looks the hints up
 * (bounded by lookupTimeoutMs) and parks the answer under the request ID.
 * select() scores the candidates (replica-scorer.ts), remembers the decision
 * in Redis without waiting, and adds llama.cpp slot hints; complete() ends the
 * request's bookkeeping. routed-stream.ts runs the three in order.
 *
 * When Redis fails or is slow the request is routed on what this worker
 * knows alone — its own in-flight counts and the sessions it routed itself
 * (Kafka keeps a session on one worker) — reason redis_unavailable; it never
 * fails for it, and a counter shows it.
 */
import { randomBytes } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { EndpointChoice, EndpointSelector, EndpointView } from '../model/endpoint-selector.ts';
import type { GenerationRequest, GenerationResult, RoutingHints } from '../model/types.ts';
import { chooseReplica, type ScoredCandidate, type ScoredChoice } from './replica-scorer.ts';
import type { HintSnapshot, RoutingHintStore, SessionHint } from './routing-hint-store.ts';
import { NO_ROUTING_METRICS, type RoutingMetrics } from './routing-metrics.ts';
import type { RoutingOptions } from './routing-options.ts';

/** What routing needs from the assembled prompt (kpo.v1.AssembledPrompt). */
export interface RoutingKey {
  readonly sessionId: string;
  readonly prefixBlockHashes: readonly string[];
}

export interface RequestOutcome {
  readonly result?: GenerationResult;
  /** Slot the server reported (llama.cpp id_slot), when the adapter passes it on. */
  readonly slot?: number;
}

interface PreparedRoute {
  readonly key: RoutingKey;
  readonly snapshot: HintSnapshot | undefined;
  readonly preparedAt: number;
  chosen?: ScoredChoice & { sticky: boolean };
}

export class CacheAwareSelector implements EndpointSelector {
  readonly workerId: string;
  private readonly prepared = new Map<string, PreparedRoute>();
  private readonly inFlight = new Map<string, number>();
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

  /** This worker's in-flight requests per replica (routed and not yet completed). */
  localInFlight(replica: string): number {
    return this.inFlight.get(replica) ?? 0;
  }

  /** One hint lookup for a request about to be sent to one of `replicas`. Never rejects. */
  async prepare(requestId: string, key: RoutingKey, replicas: readonly string[]): Promise<void> {
    this.dropStalePrepared();
    let snapshot: HintSnapshot | undefined;
    try {
      snapshot = await withTimeout(
        this.store.lookup({
          sessionId: key.sessionId,
          blockHashes: key.prefixBlockHashes,
          replicas,
          workerId: this.workerId,
        }),
        this.options.lookupTimeoutMs,
      );
    } catch {
      this.metrics.hintStoreFailure('lookup');
    }
    // A redelivered request ID still in flight: its earlier decision stops counting.
    const earlier = this.prepared.get(requestId)?.chosen;
    if (earlier !== undefined) this.release(earlier.name);
    this.prepared.delete(requestId);
    this.prepared.set(requestId, { key, snapshot, preparedAt: Date.now() });
  }

  select(request: GenerationRequest, candidates: readonly EndpointView[]): EndpointChoice {
    const route = this.prepared.get(request.requestId);
    const turn = this.turn++;
    let snapshot = route?.snapshot;
    let choice: ScoredChoice;
    let scored: ScoredCandidate[];
    if (route !== undefined && snapshot !== undefined) {
      scored = candidates.map((view) => this.scored(view, route.key, snapshot));
      const hit = scored.some((c) => c.matchBlocks > 0 && c.matchBlocks >= this.options.minMatchBlocks);
      this.metrics.hintLookup(hit ? 'hit' : 'miss');
      choice = chooseReplica(scored, this.options, turn);
    } else {
      // No Redis answer: this worker's own memory of the session and its own load only.
      const local = route === undefined ? undefined : this.recentSessions?.get(route.key.sessionId);
      snapshot = local === undefined ? undefined : { session: local, replicas: new Map() };
      scored = candidates.map((view) => this.scored(view, route?.key, snapshot));
      choice = chooseReplica(scored, this.options, turn);
      if (route !== undefined) choice = { ...choice, reason: 'redis_unavailable' };
    }
    this.metrics.routingDecision(choice.reason, choice.name);
    for (const candidate of scored) this.metrics.replicaLoad(candidate.name, candidate.load);
    const chosenView = candidates.find((view) => view.name === choice.name)!;
    const sticky = route !== undefined && route.snapshot?.session?.replica === choice.name;
    if (route !== undefined) this.commit(route, { ...choice, sticky });
    return { endpoint: choice.name, ...this.hintsFor(chosenView, route, sticky) };
  }

  /** Ends a request's routing bookkeeping; call once per prepare(), whatever happened. */
  complete(requestId: string, outcome: RequestOutcome = {}): void {
    const route = this.prepared.get(requestId);
    if (route === undefined) return;
    this.prepared.delete(requestId);
    const chosen = route.chosen;
    if (chosen === undefined) return;
    const count = this.release(chosen.name);
    const { result } = outcome;
    if (result !== undefined && result.usage.promptTokens > 0) {
      this.metrics.cachedTokenRatio(result.endpoint, result.usage.cachedTokens / result.usage.promptTokens);
      if (chosen.reason === 'prefix_hit' || chosen.reason === 'session_sticky') {
        this.metrics.hintConfirmed(result.endpoint, result.usage.cachedTokens > 0);
      }
    }
    this.background(
      this.store.recordFinished({
        sessionId: route.key.sessionId,
        replica: chosen.name,
        workerId: this.workerId,
        workerInFlight: count,
        ...(outcome.slot === undefined ? {} : { slot: outcome.slot }),
      }),
    );
  }

  /** Stops the load heartbeat. */
  close(): void {
    clearInterval(this.heartbeat);
  }

  private scored(
    view: EndpointView,
    key: RoutingKey | undefined,
    snapshot: HintSnapshot | undefined,
  ): ScoredCandidate {
    const local = Math.max(this.localInFlight(view.name), view.inFlight);
    const replica = snapshot?.replicas.get(view.name);
    const session = snapshot?.session;
    let matchBlocks = replica?.matchBlocks ?? 0;
    let sessionReplica = false;
    if (key !== undefined && session !== undefined && session.replica === view.name) {
      const hashes = key.prefixBlockHashes;
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
    this.recentSessions?.set(route.key.sessionId, {
      replica: choice.name,
      blocks: hashes.length,
      tailHash: hashes.at(-1) ?? '',
      atMs: Date.now(),
    });
    const count = (this.inFlight.get(choice.name) ?? 0) + 1;
    this.inFlight.set(choice.name, count);
    const slot = choice.sticky ? route.snapshot?.session?.slot : undefined;
    this.background(
      this.store.recordRouted({
        sessionId: route.key.sessionId,
        replica: choice.name,
        blockHashes: route.key.prefixBlockHashes,
        workerId: this.workerId,
        workerInFlight: count,
        ...(slot === undefined ? {} : { slot }),
      }),
    );
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
    const slot = sticky ? route?.snapshot?.session?.slot : undefined;
    return { hints: { cachePrompt: true, idSlot: slot ?? -1 } };
  }

  private publishLoad(): void {
    if (this.inFlight.size === 0) return;
    this.background(this.store.publishLoad(this.workerId, new Map(this.inFlight)));
  }

  private background(write: Promise<void>): void {
    write.catch(() => this.metrics.hintStoreFailure('write'));
  }

  private dropStalePrepared(): void {
    const oldest = Date.now() - this.options.preparedTtlMs;
    for (const [requestId, route] of this.prepared) {
      if (route.preparedAt >= oldest) break;
      this.prepared.delete(requestId);
      if (route.chosen !== undefined) this.release(route.chosen.name);
    }
  }
}

/**
 * Rejects after `ms` unless `work` settled. When the timer fires, the reply
 * may already sit in the socket, unread because the event loop was busy: one
 * setImmediate lets the poll phase deliver it before giving up.
 */
function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => {
      setImmediate(() => {
        if (settled) return;
        settled = true;
        reject(new Error(`passed its ${ms} ms budget`));
      });
    }, ms);
    work.then(
      (value) => {
        clearTimeout(timer);
        if (settled) return;
        settled = true;
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        if (settled) return;
        settled = true;
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
