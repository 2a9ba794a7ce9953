/** Polls until check() returns a truthy value; throws with `what` after timeoutMs. Every test wait has a bound. */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  options: { readonly timeoutMs: number; readonly intervalMs?: number; readonly what: string },
): Promise<NonNullable<T>> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const suffix = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${options.what}${suffix}`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 50));
  }
}
