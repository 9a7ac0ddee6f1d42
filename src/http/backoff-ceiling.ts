/**
 * The HTTP connectors' rule for their pair of retry backoff keys (the first wait and the ceiling of
 * the computed waits). `backoffDelay` caps every wait at the ceiling, so a ceiling below the first
 * wait would mean the first wait asked for never happens. When only one of the two is set, the
 * other follows it (`followedBackoff`): an unset ceiling rises to a larger first wait (a constant
 * backoff), an unset first wait drops to a smaller ceiling. Only both set, a ceiling below the first
 * wait is a config error (`backoffCeilingProblem`, under the ceiling's key). The HTTP source applies
 * it in config-rules.ts, the HTTP sink in settings.ts and validation-only.ts.
 *
 * Each wait is at least 1 ms: 0 would retry a refused connection back to back, a busy loop through
 * an outage. Config/validate refuses 0 and negatives on each key alone (`backoffMs` and
 * `backoffAtLeastOne`, the keys' validators); a config stored before that rule starts with a WARN
 * (`backoffFloorProblems`, the descriptors' `validationOnly`) and runs at 1 ms (`runningBackoff`).
 */
import type { Validator } from "../plugin/config-key.ts";
import type { ConfigProblem } from "../plugin/descriptor.ts";
import { invalidValue } from "../util/invalid-value.ts";

export interface BackoffKeys {
  /** The first wait's key. */
  readonly initial: string;
  /** The ceiling's key. */
  readonly max: string;
}

/** The pair as configured: each value (the default when unset) and whether the user set it. */
export interface ConfiguredBackoff {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly initialSet: boolean;
  readonly maxSet: boolean;
}

/**
 * The pair as configured: its values in the connector's parsed config (`parsed`, defaults filled in)
 * and whether the user set each ("unset": `given`, the raw map, its aliases folded where the
 * connector has them, without the key).
 */
export function configuredBackoff<K extends BackoffKeys>(
  keys: K,
  parsed: Readonly<Record<K["initial"] | K["max"], number>>,
  given: Readonly<Record<string, unknown>>,
): ConfiguredBackoff {
  return {
    initialMs: parsed[keys.initial as K["initial"]],
    maxMs: parsed[keys.max as K["max"]],
    initialSet: given[keys.initial] != null,
    maxSet: given[keys.max] != null,
  };
}

/** The waits that run: an unset key follows the other when the two would cross. */
function followedBackoff(b: ConfiguredBackoff): { initialMs: number; maxMs: number } {
  if (b.maxMs >= b.initialMs) return { initialMs: b.initialMs, maxMs: b.maxMs };
  if (!b.maxSet) return { initialMs: b.initialMs, maxMs: b.initialMs };
  if (!b.initialSet) return { initialMs: b.maxMs, maxMs: b.maxMs };
  return { initialMs: b.initialMs, maxMs: b.maxMs };
}

/** A ceiling below the first wait, both set (after `followedBackoff` nothing else can cross). */
export function backoffCeilingProblem(keys: BackoffKeys, b: ConfiguredBackoff): ConfigProblem | undefined {
  const { initialMs, maxMs } = followedBackoff(b);
  return maxMs < initialMs ? { key: keys.max, message: `Must not be smaller than ${keys.initial}` } : undefined;
}

const AT_LEAST_ONE = "Value must be at least 1";

/** A backoff key's validator: a negative wait is refused with the message 0 gets (`backoffAtLeastOne`). */
export const backoffMs: Validator<number | null> = (n) =>
  n === null ? "Value must be non-null" : n < 0 ? AT_LEAST_ONE : undefined;

/** A backoff key's validation-only validator: 0 is refused by config/validate, a stored 0 still starts. */
export const backoffAtLeastOne: Validator<number | null> = (n) => (n !== null && n < 1 ? AT_LEAST_ONE : undefined);

/** A stored backoff of 0, for the WARN its start logs: it runs as 1 ms. */
export function backoffFloorProblems(keys: BackoffKeys, b: ConfiguredBackoff): ConfigProblem[] {
  return [
    [keys.initial, b.initialMs],
    [keys.max, b.maxMs],
  ]
    .filter(([, ms]) => (ms as number) < 1)
    .map(([key, ms]) => ({
      key: key as string,
      message: invalidValue(key as string, String(ms), AT_LEAST_ONE),
      runsAs: "runs as 1 ms",
    }));
}

/** The waits a task uses: `followedBackoff`, each at least 1 ms. */
export function runningBackoff(b: ConfiguredBackoff): { initialMs: number; maxMs: number } {
  const { initialMs, maxMs } = followedBackoff(b);
  return { initialMs: Math.max(1, initialMs), maxMs: Math.max(1, maxMs) };
}
