/**
 * Baseline policy: a session always goes to the same replica, by a hash of its
 * ID (request.routing.sessionId; the request ID when absent) over the
 * candidate list (no load, no hints). When that replica is not a candidate
 * (open circuit, already tried) the hash picks among the rest.
 */
import { createHash } from 'node:crypto';
import type { EndpointChoice, EndpointSelector, EndpointView } from '../model/endpoint-selector.ts';
import type { GenerationRequest } from '../model/types.ts';

export class SessionHashSelector implements EndpointSelector {
  select(request: GenerationRequest, candidates: readonly EndpointView[]): EndpointChoice {
    const session = request.routing?.sessionId ?? request.requestId;
    const digest = createHash('sha1').update(session).digest();
    const names = candidates.map((view) => view.name).sort();
    return { endpoint: names[digest.readUInt32LE(0) % names.length]! };
  }
}
