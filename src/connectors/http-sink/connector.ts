/**
 * HttpSinkConnector: checks the config at start and gives every one of `tasks.max` tasks the
 * whole connector config (each task delivers the partitions the consumer group assigns it). Warns
 * when Flink's `format` is set but an explicit value.converter overrides it, and names the keys of
 * its namespaces it does not read (unknown-keys.ts).
 */
import type { Config, ConnectorContext, SinkConnector } from "../../api/connector.ts";
import { ConfigError } from "../../errors.ts";
import type { Logger } from "../../util/logger.ts";
import { httpSinkConfig } from "./config.ts";
import { crossKeyErrors } from "./cross-key-checks.ts";
import { formatOf } from "./format.ts";
import { unknownKeysWarning } from "./unknown-keys.ts";

export class HttpSinkConnector implements SinkConnector {
  private config: Config = {};
  private log: Logger | undefined;
  private providedKeys: ReadonlySet<string> | undefined;

  initialize(context: ConnectorContext): void {
    this.log = context.logger;
    this.providedKeys = context.providedKeys;
  }

  start(config: Config): void {
    httpSinkConfig.parse(config, this.providedKeys);
    const format = formatOf(config);
    const valueConverter = config["value.converter"]?.trim();
    if (format !== null && valueConverter) {
      this.log?.warn(
        `format=${format} does not choose the value converter: value.converter=${valueConverter} is set explicitly and wins`,
      );
    }
    const errors = crossKeyErrors(config);
    if (errors.length > 0) {
      throw new ConfigError(errors.map((e) => e.message).join("; "), new Map(errors.map((e) => [e.key, [e.message]])));
    }
    const unknown = unknownKeysWarning(config);
    if (unknown) this.log?.warn(unknown);
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
