/**
 * Await a condition instead of sleeping: polls `probe` until it returns a value other than
 * undefined/false, or fails with the last observation after `timeoutMs`.
 */
export async function waitFor<T>(
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  options: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 20_000;
  const intervalMs = options.intervalMs ?? 50;
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value as T;
      last = value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `Timed out after ${timeoutMs} ms waiting for ${options.what ?? "a condition"}; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`,
      );
    }
    await Bun.sleep(intervalMs);
  }
}

/**
 * `promise`'s value, awaited through waitFor: a promise that never settles fails the test after `timeoutMs` instead
 * of hanging it (bun 1.4.5 never times out a test awaiting one: oven-sh/bun#32056). A rejection is thrown as is.
 */
export async function settled<T>(promise: Promise<T>, options: { timeoutMs?: number; what?: string } = {}): Promise<T> {
  let outcome: { value: T } | { error: unknown } | undefined;
  promise.then(
    (value) => (outcome = { value }),
    (error: unknown) => (outcome = { error }),
  );
  const done = await waitFor(() => outcome, { intervalMs: 5, ...options });
  if ("error" in done) throw done.error;
  return done.value;
}
