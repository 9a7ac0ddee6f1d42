/**
 * The HTTP connectors' rule for their pair of retry backoff keys (the first wait and the ceiling of
 * the computed waits). `backoffDelay` caps every wait at the ceiling, so a ceiling below the first
 * wait would mean the first wait asked for never happens. When only one of the two is set, the
 * other follows it (`followedBackoff`): an unset ceiling rises to a larger first wait (a constant
 * backoff), an unset first wait drops to a smaller ceiling. Only both set, a ceiling below the first
 * wait is a config error (`backoffCeilingProblem`, under the ceiling's key). The HTTP source applies
 * it in config-rules.ts, the HTTP sink in settings.ts and validation-only.ts.
 */
import type { ConfigProblem } from "../plugin/descriptor.ts";

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

/** The waits that run: an unset key follows the other when the two would cross. */
export function followedBackoff(b: ConfiguredBackoff): { initialMs: number; maxMs: number } {
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
