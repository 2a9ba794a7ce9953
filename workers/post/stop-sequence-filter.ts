/**
 * Stop sequences over a stream of text chunks. A stop sequence may arrive
 * split over chunks ("#", then "##"), so the filter holds back the longest
 * suffix of what it has seen that is a prefix of some stop sequence, and
 * releases it once the next chunk shows it is not one. Output ends before the
 * first stop sequence; the sequence itself is never emitted.
 *
 * Pure: state in, state out, so a failed step can be retried unchanged.
 */

export interface StopFilterStep {
  /** Text safe to pass on now. */
  readonly emit: string;
  /** Text held back (could be the start of a stop sequence). */
  readonly held: string;
  /** True when a stop sequence was found: emit is the last text of the stream. */
  readonly stopped: boolean;
}

export function applyStopSequences(held: string, text: string, stops: readonly string[]): StopFilterStep {
  const buffer = held + text;
  if (stops.length === 0) return { emit: buffer, held: '', stopped: false };
  let first = -1;
  for (const stop of stops) {
    if (stop.length === 0) continue;
    const at = buffer.indexOf(stop);
    if (at >= 0 && (first < 0 || at < first)) first = at;
  }
  if (first >= 0) return { emit: buffer.slice(0, first), held: '', stopped: true };
  const keep = longestSuffixThatStartsAStop(buffer, stops);
  return {
    emit: buffer.slice(0, buffer.length - keep),
    held: buffer.slice(buffer.length - keep),
    stopped: false,
  };
}

/** Length of the longest suffix of `text` that is a proper prefix of some stop sequence. */
export function longestSuffixThatStartsAStop(text: string, stops: readonly string[]): number {
  let best = 0;
  for (const stop of stops) {
    const max = Math.min(stop.length - 1, text.length);
    for (let length = max; length > best; length -= 1) {
      if (text.endsWith(stop.slice(0, length))) {
        best = length;
        break;
      }
    }
  }
  return best;
}
