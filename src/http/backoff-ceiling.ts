/**
 * The HTTP connectors' rule for their pair of retry backoff keys (the first wait and the ceiling of
 * the computed waits): a ceiling below the first wait is a config error, since `backoffDelay` caps
 * every wait at the ceiling and the first wait asked for would never happen. The HTTP source
 * (config-rules.ts, after an unset key followed the other) and the HTTP sink (cross-key-checks.ts)
 * report it under the ceiling's key.
 */
import type { ConfigProblem } from "../plugin/descriptor.ts";

export interface BackoffKeys {
  /** The first wait's key. */
  readonly initial: string;
  /** The ceiling's key. */
  readonly max: string;
}

export function backoffCeilingProblem(keys: BackoffKeys, initialMs: number, maxMs: number): ConfigProblem | undefined {
  return maxMs < initialMs ? { key: keys.max, message: `Must not be smaller than ${keys.initial}` } : undefined;
}
