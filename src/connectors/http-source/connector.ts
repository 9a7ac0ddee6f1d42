/**
 * HttpSourceConnector: checks the config (per key and across keys) and runs one task, since one
 * endpoint is polled by one schedule (`tasks.max` above 1 still yields one task). `alterOffsets`
 * accepts offsets of the shape offsets.ts documents, checked against the configured offset mode.
 */
import type { Config, SourceConnector } from "../../api/connector.ts";
import type { SourceMap } from "../../api/record.ts";
import { checkedConfig } from "./config-rules.ts";
import { type OffsetMode, validateAlteredOffsets } from "./offsets.ts";
import { releaseConnectorThrottle } from "./rate-limit.ts";

export class HttpSourceConnector implements SourceConnector {
  private config: Config = {};

  start(config: Config): void {
    checkedConfig(config);
    this.config = config;
  }

  taskConfigs(_maxTasks: number): Config[] {
    return [{ ...this.config }];
  }

  stop(): void {
    // A deleted connector must not leak its throttle, nor hand its old window to a namesake.
    if (this.config.name !== undefined) releaseConnectorThrottle(this.config.name);
  }

  alterOffsets(config: Config, offsets: ReadonlyArray<{ partition: SourceMap; offset: SourceMap | null }>): boolean {
    const mode = (config["http.offset.mode"] ?? "NONE").trim().toUpperCase() as OffsetMode;
    validateAlteredOffsets(mode, offsets);
    return true;
  }
}
