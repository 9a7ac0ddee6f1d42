/**
 * Descriptors of Apache Kafka's FileStreamSource and FileStreamSink connectors.
 */
import { ConfigError } from "../../errors.ts";
import type { RawConfig } from "../../plugin/config-def.ts";
import type { SinkConnectorDescriptor, SourceConnectorDescriptor } from "../../plugin/descriptor.ts";
import { CONNECT_VERSION } from "../../version.ts";
import {
  FILE_SINK_CONNECTOR,
  FILE_SINK_TASK,
  FILE_SOURCE_CONNECTOR,
  FILE_SOURCE_TASK,
  fileSinkConfig,
  fileSourceConfig,
} from "./config.ts";
import { FileStreamSinkConnector } from "./sink-connector.ts";
import { FileStreamSinkTask } from "./sink-task.ts";
import { FileStreamSourceConnector } from "./source-connector.ts";
import { FileStreamSourceTask } from "./source-task.ts";

/**
 * As FileStreamSourceConnector.exactlyOnceSupport: exactly-once when reading a real file (its offsets
 * are tracked), not stdin. It parses its config first (AbstractConfig), so a bad value throws its
 * ConfigException; a key given as JSON null is set to null there, which none of its keys refuses.
 */
function fileSourceExactlyOnce(config: RawConfig): "SUPPORTED" | "UNSUPPORTED" {
  try {
    fileSourceConfig.parse(config);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const left = [...error.errors].filter(([name]) => config[name] !== null);
    if (left.length > 0) throw new ConfigError(left[0]![1][0]!, new Map(left));
  }
  return (config.file ?? "").trim() !== "" ? "SUPPORTED" : "UNSUPPORTED";
}

export const fileStreamSource: SourceConnectorDescriptor = {
  type: "source",
  className: FILE_SOURCE_CONNECTOR,
  version: CONNECT_VERSION,
  config: fileSourceConfig,
  summary:
    "Reads lines from a file (or standard input) into a Kafka topic, resuming at the last committed byte position.",
  taskClass: FILE_SOURCE_TASK,
  create: () => new FileStreamSourceConnector(),
  createTask: () => new FileStreamSourceTask(),
  exactlyOnceSupport: fileSourceExactlyOnce,
};

export const fileStreamSink: SinkConnectorDescriptor = {
  type: "sink",
  className: FILE_SINK_CONNECTOR,
  version: CONNECT_VERSION,
  config: fileSinkConfig,
  summary: "Appends the values of records from Kafka topics to a file (or standard output), one line per record.",
  taskClass: FILE_SINK_TASK,
  create: () => new FileStreamSinkConnector(),
  createTask: () => new FileStreamSinkTask(),
};
