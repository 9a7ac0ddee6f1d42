/**
 * The volume of data.dir full while an operator creates connectors, on the gateway (the compiled
 * binary when GATEWAY_BIN is set) and a real full disk (a small tmpfs: root, as CI runs;
 * test/support/small-volume.ts): each create is answered 500 in Connect's shape saying the state
 * store is full and what to do, and is not applied; the gateway keeps running and healthy; once
 * there is room a create is applied, and a restart finds exactly the connectors answered 201
 * (opshunt's probe of "the state disk full while connectors are created").
 */
import { describe, expect, test } from "bun:test";
import { startGateway } from "./support/gateway.ts";
import { kafkaBroker, uniqueTopic } from "./support/kafka.ts";
import { smallVolume } from "./support/small-volume.ts";
import { tempDir } from "./support/temp-dir.ts";

const FULL = {
  error_code: 500,
  message:
    "The worker's state store is full (SQLITE_FULL: database or disk is full), so the request could not be completed. Free space on the volume of data.dir and retry.",
};

describe("the state disk full while connectors are created", () => {
  test("each create answers Connect's 500 and is not applied, the gateway stays up; with room again a create works and a restart keeps exactly those answered 201", async () => {
    await using dir = await tempDir("ops-state-disk-full-");
    await using volume = smallVolume(dir.file("volume"), 4 * 1024 * 1024);
    const options = {
      dir: dir.path,
      worker: { "bootstrap.servers": (await kafkaBroker()).bootstrap, "data.dir": `${volume.path}/data` },
    };
    // Large enough that a config needs pages the file does not have free.
    const config = (name: string) => ({
      name,
      config: {
        "connector.class": "FileStreamSource",
        file: dir.file("none.txt"),
        topic: uniqueTopic(name),
        "padding.note": "x".repeat(64 * 1024),
      },
    });
    {
      await using gw = await startGateway(options);
      expect((await gw.rest.post("/connectors", config("before"))).status).toBe(201);
      volume.fill();
      for (const name of ["full-1", "full-2", "full-3"]) {
        const refused = await gw.rest.post("/connectors", config(name));
        expect({ status: refused.status, body: refused.body }).toEqual({ status: 500, body: FULL });
      }
      expect((await gw.rest.get("/health")).status).toBe(200);
      expect((await gw.rest.get("/connectors")).body).toEqual(["before"]);
      volume.free();
      expect((await gw.rest.post("/connectors", config("after"))).status).toBe(201);
      expect(await gw.stop()).toBe(0);
    }
    await using again = await startGateway(options);
    expect((await again.rest.get("/connectors")).body.sort()).toEqual(["after", "before"]);
  });
});
