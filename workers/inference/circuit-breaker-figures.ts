/**
 * kpo_circuit_breaker_state from the inference worker's real breakers: every
 * endpoint reports its state at start (closed) and on every change.
 */
import type { BreakerState, StageFigures } from '../../shared/metrics/stage-figures.ts';
import type { CircuitStateName, ResilientEndpoint } from '../../shared/model/resilient-endpoint.ts';

/** An isolated circuit refuses calls as an open one does. */
const GAUGE_STATE: Readonly<Record<CircuitStateName, BreakerState>> = {
  closed: 'closed',
  'half-open': 'half_open',
  open: 'open',
  isolated: 'open',
};

/** Returns the remover of the listeners. */
export function reportCircuitBreakerStates(
  endpoints: readonly ResilientEndpoint[],
  figures: StageFigures,
): () => void {
  const removers = endpoints.map((endpoint) => {
    figures.setCircuitBreakerState(endpoint.name, GAUGE_STATE[endpoint.circuitState]);
    return endpoint.onCircuitStateChange((state) =>
      figures.setCircuitBreakerState(endpoint.name, GAUGE_STATE[state]),
    );
  });
  return () => removers.forEach((remove) => remove());
}
