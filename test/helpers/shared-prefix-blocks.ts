/** Number of leading blocks two hash chains share (the matched prefix is that times the block size, in tokens). */
export function sharedPrefixBlocks(a: readonly string[], b: readonly string[]): number {
  const limit = Math.min(a.length, b.length);
  let matched = 0;
  while (matched < limit && a[matched] === b[matched]) matched += 1;
  return matched;
}
