/**
 * The FileStream connectors' keys, as Apache Kafka's connect-file module declares them.
 */
import { check, defineConfig, key } from "../../plugin/config-def.ts";

export const FILE_SOURCE_CONNECTOR = "org.apache.kafka.connect.file.FileStreamSourceConnector";
export const FILE_SOURCE_TASK = "org.apache.kafka.connect.file.FileStreamSourceTask";
export const FILE_SINK_CONNECTOR = "org.apache.kafka.connect.file.FileStreamSinkConnector";
export const FILE_SINK_TASK = "org.apache.kafka.connect.file.FileStreamSinkTask";

/** Source partition and offset keys: `{"filename": <path>}` → `{"position": <byte offset>}`. */
export const FILENAME_FIELD = "filename";
export const POSITION_FIELD = "position";

export const fileSourceConfig = defineConfig({
  file: key.string({
    doc: "Source filename. If not specified, the standard input will be used",
    default: null,
    importance: "HIGH",
  }),
  topic: key.string({
    doc: "The topic to publish data to",
    importance: "HIGH",
    validators: [check.nonEmptyString()],
  }),
  "batch.size": key.int({
    doc: "The maximum number of records the source task can read from the file each time it is polled",
    default: 2000,
    importance: "LOW",
  }),
});

export const fileSinkConfig = defineConfig({
  file: key.string({
    doc: "Destination filename. If not specified, the standard output will be used",
    default: null,
    importance: "HIGH",
  }),
});
