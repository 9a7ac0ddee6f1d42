/**
 * FileStreamSinkConnector: appends record values to a file (or stdout), one line each. Like
 * Apache's, it gives every one of `tasks.max` tasks the same file.
 */
import type { Config, SinkConnector } from "../../api/connector.ts";
import { fileSinkConfig } from "./config.ts";

export class FileStreamSinkConnector implements SinkConnector {
  private config: Config = {};

  start(config: Config): void {
    fileSinkConfig.parse(config);
    this.config = config;
  }

  /** Like Apache's: every task gets the connector's whole config. */
  taskConfigs(maxTasks: number): Config[] {
    return Array.from({ length: maxTasks }, (): Config => ({ ...this.config }));
  }

  stop(): void {}

  /** The sink keeps no offsets of its own: the framework's (consumer group) offsets are all there is. */
  alterOffsets(): boolean {
    return true;
  }
}
