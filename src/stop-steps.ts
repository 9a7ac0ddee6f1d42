/**
 * The gateway's stop, one step after another (app.ts builds the steps of App.stop; main.ts's
 * graceful stop asks which step it is waiting for when its limit passes). A step with `limitMs` is
 * waited for that long at most: a listener that does not close (a client holding its connection, a
 * Bun or node bug) must not keep the tasks from stopping and committing what Kafka acknowledged, as
 * Connect's Jetty bounds its REST server's stop (its stop timeout) before the herder stops. The step
 * given up on is logged and left to end with the process. The limits are waited for on the
 * `Clock` (app.ts's), so a test drives them.
 */
import { type Clock, systemClock } from "./util/clock.ts";

export interface StopStep {
  /** What the step stops, as logged ("the REST listeners"). */
  readonly name: string;
  readonly run: () => Promise<void> | void;
  /** Waited for at most this long; without it, until it settles. */
  readonly limitMs?: number;
}

export interface StopSteps {
  /** Runs the steps in order; a step that fails fails the stop, once the others ran. Called again, the same stop. */
  run(): Promise<void>;
  /** The step in progress, or undefined before and after the stop. */
  current(): string | undefined;
  /** The steps given up on at their limit, still running. */
  givenUp(): readonly string[];
}

export function stopSteps(
  steps: readonly StopStep[],
  log: { warn(message: string): void },
  clock: Clock = systemClock,
): StopSteps {
  let current: string | undefined;
  const givenUp: string[] = [];
  let running: Promise<void> | undefined;
  const runAll = async () => {
    let failure: { error: unknown } | undefined;
    for (const step of steps) {
      current = step.name;
      try {
        const settled = await within(Promise.resolve().then(step.run), step.limitMs, clock);
        if (!settled) {
          givenUp.push(step.name);
          log.warn(
            `Gave up waiting for ${step.name} to stop after ${step.limitMs! / 1000} s; the stop goes on without it`,
          );
        }
      } catch (error) {
        failure ??= { error };
      }
    }
    current = undefined;
    if (failure) throw failure.error;
  };
  return {
    current: () => current,
    givenUp: () => givenUp,
    run: () => (running ??= runAll()),
  };
}

/** True once `work` settled (its failure thrown), false when `limitMs` passed first on `clock`. */
async function within(work: Promise<void>, limitMs: number | undefined, clock: Clock): Promise<boolean> {
  if (limitMs === undefined) {
    await work;
    return true;
  }
  const settled = new AbortController();
  const expired = clock.sleep(limitMs, settled.signal).then(() => false as const);
  try {
    return await Promise.race([work.then(() => true as const), expired]);
  } finally {
    settled.abort();
  }
}
