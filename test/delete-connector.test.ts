/**
 * Finding F3: a connector named `a/b` is created over REST (201, as Connect 4.3.1) and no
 * per-connector path reaches it afterwards. The README's way out ("## Operating", *A connector the
 * REST API cannot address*), run as written through bash with the gateway under test on PATH as
 * `gateway` (the compiled binary under GATEWAY_BIN, as scripts/test sets it): refused while the
 * gateway runs (gateway.db is locked), then, with the gateway stopped by SIGTERM, it deletes the
 * connector, which a restarted gateway no longer lists.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { gatewayOnPath, startGateway } from "./support/gateway.ts";
import { createTopic, kafkaBroker, readTopic, uniqueTopic } from "./support/kafka.ts";
import { curlHome, type ReadmeCommand, readmeCommands, runReadmeCommand } from "./support/readme.ts";
import { type TempDir, tempDir } from "./support/temp-dir.ts";

let dir: TempDir;
let command: ReadmeCommand;

beforeAll(async () => {
  dir = await tempDir("delete-connector-");
  const commands = await readmeCommands("## Operating", { marker: "**A connector the REST API cannot address.**" });
  command = commands[0]!;
  expect(command.text).toBe("gateway delete-connector worker.properties a/b   # prints what it removed");
});

afterAll(async () => {
  await dir?.[Symbol.asyncDispose]();
});

describe("gateway delete-connector (README, Operating)", () => {
  test("refused while the gateway runs; with it stopped, deletes a/b, which the restarted gateway no longer lists", async () => {
    const kafka = await kafkaBroker();
    const topic = uniqueTopic("delete-connector");
    await createTopic(topic);
    writeFileSync(dir.file("in.txt"), "one line\n");
    const worker = { "bootstrap.servers": kafka.bootstrap, "data.dir": dir.file("data") };
    // The README's command in the directory of the gateway's worker.properties (startGateway writes it there).
    const run = () =>
      runReadmeCommand(command, {
        cwd: dir.path,
        curlHome: curlHome(dir.file("curl")),
        env: { PATH: gatewayOnPath(dir.file("bin")) },
      });

    const first = await startGateway({ dir: dir.path, worker });
    try {
      const created = await first.rest.post("/connectors", {
        name: "a/b",
        config: { "connector.class": "FileStreamSource", file: dir.file("in.txt"), topic },
      });
      expect(created.status).toBe(201);
      expect((await first.rest.request("DELETE", "/connectors/a%2Fb")).status).toBe(400);
      // The record in Kafka: the task has used the topic (an active topic of the connector).
      expect((await readTopic(topic, 1)).map((r) => JSON.parse(r.value!.toString()).payload)).toEqual(["one line"]);

      const locked = await run();
      expect(locked).toMatchObject({
        code: 1,
        stdout: "",
        stderr: `gateway: The data file ${dir.file("data")}/gateway.db is locked by another process: is another gateway running with data.dir=${dir.file("data")}? Stop the gateway first.\n`,
      });
      expect((await first.rest.get("/connectors")).body).toEqual(["a/b"]);
    } finally {
      expect(await first.stop()).toBe(0);
    }

    const deleted = await run();
    expect({ code: deleted.code, stdout: deleted.stdout, stderr: deleted.stderr }).toEqual({
      code: 0,
      stdout: [
        "Deleted connector a/b:",
        "  its config (target state STARTED)",
        "  1 task config",
        "  2 statuses (connector and tasks)",
        `  1 active topic: ${topic}`,
        "Its source offsets are kept, as DELETE /connectors/{name} keeps them.",
        "",
      ].join("\n"),
      stderr: "",
    });
    const again = await run();
    expect({ code: again.code, stderr: again.stderr }).toEqual({
      code: 1,
      stderr: "gateway: Connector a/b not found\n",
    });

    await using second = await startGateway({ dir: dir.path, worker });
    await second.waitForOutput(/Gateway started/);
    expect((await second.rest.get("/connectors")).body).toEqual([]);
    expect((await second.rest.get("/connectors?expand=status")).body).toEqual({});
  }, 120_000);
});
