/**
 * FileStreamSourceConnector: one task reading a file (or stdin) line by line into a topic.
 * `alterOffsets` accepts only `{"position": <non-negative integer>}` offsets (or null), as Apache's.
 */
import type { Config, SourceConnector } from "../../api/connector.ts";
import type { SourceMap } from "../../api/record.ts";
import { ConnectError } from "../../errors.ts";
import { FILENAME_FIELD, fileSourceConfig, POSITION_FIELD } from "./config.ts";

export class FileStreamSourceConnector implements SourceConnector {
  private config: Config = {};

  start(config: Config): void {
    fileSourceConfig.parse(config);
    this.config = config;
  }

  /** Like Apache's (4.x): one task, with the connector's whole config. */
  taskConfigs(_maxTasks: number): Config[] {
    return [{ ...this.config }];
  }

  stop(): void {}

  alterOffsets(config: Config, offsets: ReadonlyArray<{ partition: SourceMap; offset: SourceMap | null }>): boolean {
    const file = config.file?.trim();
    if (!file) {
      throw new ConnectError(
        "Offsets cannot be modified if the 'file' configuration is unspecified. This is because stdin is used for input and offsets are not tracked.",
      );
    }
    for (const { partition, offset } of offsets) {
      if (offset === null) continue;
      if (!(POSITION_FIELD in offset))
        throw new ConnectError(`Offset objects should either be null or contain the key '${POSITION_FIELD}'`);
      const position = offset[POSITION_FIELD];
      if (!Number.isInteger(position) && typeof position !== "bigint") {
        throw new ConnectError(
          `The value for the '${POSITION_FIELD}' key in the offset is expected to be a Long value`,
        );
      }
      if (Number(position) < 0)
        throw new ConnectError(
          `The value for the '${POSITION_FIELD}' key in the offset should be a non-negative value`,
        );
      if (partition === null || partition === undefined) throw new ConnectError("Partition objects cannot be null");
      if (!(FILENAME_FIELD in partition))
        throw new ConnectError(`Partition objects should contain the key '${FILENAME_FIELD}'`);
    }
    return true;
  }
}
