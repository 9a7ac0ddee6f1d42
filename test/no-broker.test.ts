/**
 * Edge hosts start before their network does: with no reachable broker the gateway still starts,
 * serves its REST API, runs connectors (their tasks wait and retry) and stops cleanly.
 */
import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { startGateway } from "./support/gateway.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

describe("without a reachable broker", () => {
  test("the gateway starts, accepts connectors, keeps tasks up and stops cleanly", async () => {
    await using dir = await tempDir();
    const gw = await startGateway({
      dir: dir.path,
      // Port 1 on loopback: nothing listens there.
      worker: {
        "bootstrap.servers": "127.0.0.1:1",
        "data.dir": dir.file("data"),
        "socket.connection.setup.timeout.ms": "500",
      },
    });
    try {
      writeFileSync(dir.file("in.txt"), "waiting for kafka\n");
      const created = await gw.rest.post("/connectors", {
        name: "patient",
        config: { "connector.class": "FileStreamSource", file: dir.file("in.txt"), topic: "later" },
      });
      expect(created.status).toBe(201);
      await gw.waitForOutput(/Failed to send 1 records to Kafka, retrying/);
      const status = await waitFor(async () => (await gw.rest.get("/connectors/patient/status")).body);
      expect([status.connector.state, status.tasks[0]?.state]).toEqual(["RUNNING", "RUNNING"]);
      expect((await gw.rest.get("/health")).status).toBe(200);
    } finally {
      expect(await gw.stop()).toBe(0);
    }
    expect(gw.output()).toContain("Gateway stopped");
  });
});
