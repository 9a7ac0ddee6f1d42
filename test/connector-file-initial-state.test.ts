/**
 * A connector file's initial_state (KIP-980), as connect-standalone 4.3.1 reads it from
 * `{"name", "config", "initial_state"}`: the real binary creates the connector in that state; a
 * value that is no InitialState makes the file unreadable as that form (it then fails as properties
 * without a name, exit code 3, as connect-standalone stops).
 */
import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { spawnGateway, startGateway } from "./support/gateway.ts";
import { kafkaBroker, uniqueTopic } from "./support/kafka.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

const fileSource = (dir: string, name: string, initialState?: unknown) =>
  JSON.stringify({
    name,
    config: {
      "connector.class": "FileStreamSource",
      file: `${dir}/${name}.txt`,
      topic: uniqueTopic(`initial-state-${name}`),
    },
    ...(initialState === undefined ? {} : { initial_state: initialState }),
  });

describe("a connector file's initial_state", () => {
  test("PAUSED, stopped (any case) or absent: the connector is created PAUSED, STOPPED, RUNNING", async () => {
    const kafka = await kafkaBroker();
    await using dir = await tempDir();
    const files = [
      ["paused", "PAUSED"],
      ["stopped", "stopped"],
      ["running", undefined],
    ] as const;
    for (const [name, state] of files) writeFileSync(dir.file(`${name}.json`), fileSource(dir.path, name, state));
    await using gw = await startGateway({
      dir: dir.path,
      worker: { "bootstrap.servers": kafka.bootstrap, "data.dir": dir.file("data") },
      args: files.map(([name]) => dir.file(`${name}.json`)),
    });
    const states = await waitFor(
      async () => {
        const out: Record<string, string> = {};
        for (const [name] of files)
          out[name] = (await gw.rest.get(`/connectors/${name}/status`)).body?.connector?.state;
        return out.running === "RUNNING" ? out : undefined;
      },
      { what: "the connectors created" },
    );
    expect(states).toEqual({ paused: "PAUSED", stopped: "STOPPED", running: "RUNNING" });
    // STOPPED as Connect's stop: no tasks.
    expect((await gw.rest.get("/connectors/stopped/status")).body.tasks).toEqual([]);
  });

  test("a value that is no InitialState stops startup with exit code 3, naming the file and the value", async () => {
    await using dir = await tempDir();
    const file = dir.file("bad.json");
    writeFileSync(file, fileSource(dir.path, "bad", "sleeping"));
    const { proc, output, pumped } = spawnGateway({ dir: dir.path, worker: {}, args: [file] });
    expect(await proc.exited).toBe(3);
    await pumped;
    expect(output()).toContain(
      `ERROR Stopping after connector error: Connector configuration at '${file}' is missing the mandatory 'name' configuration (Cannot construct instance of \`org.apache.kafka.connect.runtime.rest.entities.CreateConnectorRequest$InitialState\`, problem: No enum constant org.apache.kafka.connect.runtime.rest.entities.CreateConnectorRequest.InitialState.SLEEPING)`,
    );
    expect(output()).not.toContain("    at ");
  });
});
