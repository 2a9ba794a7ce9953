/**
 * Length limits of one request's output: characters (of the text that goes
 * out) and tokens (the chunks' tokenCount). Pure: it says how much of the next
 * piece may pass and whether the stream must end with finishReason "length".
 */

export interface LengthLimits {
  /** 0 = no limit. */
  readonly maxChars: number;
  /** 0 = no limit. */
  readonly maxTokens: number;
}

export interface LengthCounts {
  readonly chars: number;
  readonly tokens: number;
}

/** How much of a chunk's input text the token limit lets through. */
export function admitTokens(
  counts: LengthCounts,
  text: string,
  tokenCount: number,
  limits: LengthLimits,
): { readonly text: string; readonly tokens: number; readonly reached: boolean } {
  if (limits.maxTokens === 0) return { text, tokens: tokenCount, reached: false };
  const remaining = Math.max(0, limits.maxTokens - counts.tokens);
  if (tokenCount < remaining) return { text, tokens: tokenCount, reached: false };
  if (tokenCount === remaining) return { text, tokens: tokenCount, reached: true };
  // the chunk holds more tokens than remain: keep the same share of its characters
  const keep = Math.floor((text.length * remaining) / Math.max(tokenCount, 1));
  return { text: text.slice(0, keep), tokens: remaining, reached: true };
}

/** How much of the output text the character limit lets through. */
export function admitChars(
  counts: LengthCounts,
  output: string,
  limits: LengthLimits,
): { readonly text: string; readonly reached: boolean } {
  if (limits.maxChars === 0) return { text: output, reached: false };
  const remaining = Math.max(0, limits.maxChars - counts.chars);
  if (output.length < remaining) return { text: output, reached: false };
  return { text: output.slice(0, remaining), reached: true };
}
