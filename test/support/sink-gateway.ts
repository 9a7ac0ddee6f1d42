/**
 * A gateway (the binary under test) running FileStreamSink connectors against the real broker, each
 * from a connector file passed on its command line, with its data.dir in a temp dir: started again
 * on the same dir, it is the same gateway after a restart (a kill -9 included). Used by the tests of
 * sink consumer groups (sink-fleet-same-name.test.ts, sink-orphan-members.test.ts,
 * sink-offsets-past-log-end.test.ts).
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { type Gateway, startGateway } from "./gateway.ts";
import { kafkaBroker } from "./kafka.ts";
import type { TempDir } from "./temp-dir.ts";

const STRING = "org.apache.kafka.connect.storage.StringConverter";

/** The lines of a FileStreamSink's file (none before it exists). */
export const linesOf = (file: string): string[] =>
  existsSync(file) ? readFileSync(file, "utf8").split("\n").filter(Boolean) : [];

/** A FileStreamSink connector `name`'s keys besides its class (`topics`, `file`, overrides). */
export interface FileSink {
  readonly name: string;
  readonly config: Readonly<Record<string, string>>;
}

/**
 * A gateway on `dir` with kafka.client `client` running `sinks` (each from its file `<name>.json`
 * in `dir`, written again on each start), string converters and the `worker` keys.
 */
export async function sinkGateway(
  dir: TempDir,
  client: string,
  sinks: readonly FileSink[],
  worker: Record<string, string> = {},
): Promise<Gateway> {
  const kafka = await kafkaBroker();
  const files = sinks.map(({ name, config }) => {
    const file = dir.file(`${name}.json`);
    writeFileSync(file, JSON.stringify({ name, config: { name, "connector.class": "FileStreamSink", ...config } }));
    return file;
  });
  return startGateway({
    dir: dir.path,
    worker: {
      "bootstrap.servers": kafka.bootstrap,
      "kafka.client": client,
      "data.dir": dir.file("data"),
      "key.converter": STRING,
      "value.converter": STRING,
      ...worker,
    },
    args: files,
  });
}
