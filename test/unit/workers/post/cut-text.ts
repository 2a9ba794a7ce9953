/** `text` cut at the given offsets (clamped to its length, deduplicated, sorted): the chunks a stream could deliver. */
export function cutText(text: string, cuts: readonly number[]): string[] {
  const points = [...new Set(cuts.map((c) => Math.min(c, text.length)))].sort((x, y) => x - y);
  const chunks: string[] = [];
  let at = 0;
  for (const point of [...points, text.length]) {
    chunks.push(text.slice(at, point));
    at = point;
  }
  return chunks;
}
