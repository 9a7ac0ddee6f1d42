/**
 * HttpSinkConnector: checks the config at start and gives every one of `tasks.max` tasks the
 * whole connector config (each task delivers the partitions the consumer group assigns it).
 */
import type { Config, SinkConnector } from "../../api/connector.ts";
import { ConfigError } from "../../errors.ts";
import { crossKeyErrors, httpSinkConfig } from "./config.ts";

export class HttpSinkConnector implements SinkConnector {
  private config: Config = {};

  start(config: Config): void {
    httpSinkConfig.parse(config);
    const errors = crossKeyErrors(config);
    if (errors.length > 0) {
      throw new ConfigError(errors.map((e) => e.message).join("; "), new Map(errors.map((e) => [e.key, [e.message]])));
    }
    this.config = config;
  }

  taskConfigs(maxTasks: number): Config[] {
    return Array.from({ length: maxTasks }, () => ({ ...this.config }));
  }

  stop(): void {}

  /** The sink keeps no offsets of its own: the consumer group's offsets are all there is. */
  alterOffsets(): boolean {
    return true;
  }
}
