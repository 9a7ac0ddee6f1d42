/**
 * OtherConnectorValues: what a connector's validation compares its cross-connector keys with (a
 * descriptor's `uniqueKeys` and `conflictKeys`: HttpIngestSource's ingest.path and REST Proxy
 * topics), for each other connector of its class: the values serving uses (ingestp5).
 *
 * - A connector the worker runs (any state but STOPPED): the values it was resolved with at its
 *   start, which its route serves, not its references resolved again now (a secrets file changed
 *   since would let two connectors own one path or topic, and neither be served).
 * - One it does not run (STOPPED, failed before starting, not started yet): its stored values, a
 *   reference resolved now.
 *
 * Only those keys are resolved (before, each validation resolved every other ingest connector's
 * whole config: every file it references read, a WARN per path outside `allowed.paths`), within
 * `RESOLVE_TIMEOUT_MS`, and one resolution per connector at a time (a provider that hangs, a file
 * that is a FIFO, holds no more than one read). A provider that fails or does not answer in time
 * neither fails nor holds up this validation: that connector's value is compared as stored (as a
 * reference it matches nothing) and a WARN says the check could not be made.
 */
import type { Config } from "../api/connector.ts";
import { ConfigProviderError } from "../config-providers/config-transformer.ts";
import { messageOf } from "../errors.ts";
import type { Logger } from "../util/logger.ts";
import type { ResolveConfig } from "./resolved-values.ts";

export const RESOLVE_TIMEOUT_MS = 5000;

/** A stored connector, with the config it runs with if the worker runs it. */
export interface OtherConnector {
  readonly name: string;
  readonly stored: Config;
  readonly running: Config | undefined;
}

const isReference = (value: string | undefined) => value?.includes("${") ?? false;

export class OtherConnectorValues {
  /** Resolutions in flight, by connector and the values resolved. */
  private readonly pending = new Map<string, Promise<Config>>();

  constructor(
    private readonly log: Logger,
    private readonly timeoutMs: number = RESOLVE_TIMEOUT_MS,
  ) {}

  /**
   * `other.stored` with `keys` as serving sees them; `validated` names the connector validated,
   * for the WARN when a value cannot be resolved.
   */
  async of(
    other: OtherConnector,
    keys: readonly string[],
    resolveConfig: ResolveConfig,
    validated: string,
  ): Promise<Config> {
    const referenced = keys.filter((k) => isReference(other.stored[k]));
    if (referenced.length === 0) return other.stored;
    const running = other.running;
    if (running) return { ...other.stored, ...Object.fromEntries(referenced.map((k) => [k, running[k] ?? ""])) };
    const wanted = Object.fromEntries(referenced.map((k) => [k, other.stored[k]!]));
    try {
      return { ...other.stored, ...(await this.resolve(other.name, wanted, resolveConfig)) };
    } catch (error) {
      const why = error instanceof ConfigProviderError ? error.described : messageOf(error);
      this.log.warn(
        `Could not compare ${validated === "" ? "the validated connector" : `connector ${validated}`}'s ${referenced.join(", ")} with connector ${other.name}'s: ${why}; compared with its references as stored, and checked again when ${other.name} starts`,
      );
      return other.stored;
    }
  }

  private resolve(name: string, wanted: Config, resolveConfig: ResolveConfig): Promise<Config> {
    const id = `${name}\u0000${JSON.stringify(wanted)}`;
    let resolution = this.pending.get(id);
    if (!resolution) {
      resolution = resolveConfig(wanted);
      this.pending.set(id, resolution);
      const done = () => this.pending.delete(id);
      resolution.then(done, done);
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`its config provider did not answer within ${this.timeoutMs} ms`)),
        this.timeoutMs,
      );
    });
    return Promise.race([resolution, timeout]).finally(() => clearTimeout(timer));
  }
}
