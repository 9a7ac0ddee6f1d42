/**
 * An upgrade over gateway.db schema 2 holding Idempotency-Keys of authenticated devices
 * (test/fixtures/state-v2-auth, made by the binary of d138644, see its generate.ts). Schema 2 kept
 * keys per connector only, and migration 3 put them in the anonymous scope, where an authenticated
 * device's retry did not look: a device retrying across the upgrade wrote its records twice
 * (upgradehunt P3). Now an authenticated request whose key is not in its own scope is matched
 * against a key stored before schema 3 as the old gateway matched it (method, path, content type,
 * body); one that does not match is not refused (it may be another device's key), it is written.
 */
import { describe, expect, test } from "bun:test";
import { cpSync } from "node:fs";
import { join } from "node:path";
import expected from "./fixtures/state-v2-auth/expected.json";
import { startIngestGateway, taskState } from "./support/gateway.ts";
import { createTopic, readAll } from "./support/kafka.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

describe("upgrading over Idempotency-Keys authenticated devices stored in gateway.db schema 2", () => {
  test("a device's retry across the upgrade gets the original answer and writes nothing again", async () => {
    await using dir = await tempDir("upgrade-state-v2-auth-");
    const fixture = join(import.meta.dir, "fixtures", "state-v2-auth");
    cpSync(join(fixture, "data"), dir.file("data"), { recursive: true });
    cpSync(join(fixture, "devices.credentials"), dir.file("devices.credentials"));
    await createTopic(expected.topic);
    const before = (await readAll(expected.topic)).length;
    const { gw, ingest } = await startIngestGateway(dir);
    await using _stop = { [Symbol.asyncDispose]: async () => void (gw.proc.exitCode === null && (await gw.stop())) };
    await waitFor(async () => (await taskState(gw, "devices")) === "RUNNING", { what: "the route", timeoutMs: 30_000 });
    const url = `${ingest}${expected.connectors.devices["ingest.path"]}`;
    const post = async (user: string, n: number, key: string) => {
      const response = await fetch(url, {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          Authorization: `Basic ${Buffer.from(`${user}:${expected.password}`).toString("base64")}`,
          "Idempotency-Key": key,
        },
        body: JSON.stringify({ n }),
      });
      return {
        status: response.status,
        replayed: response.headers.get("Idempotent-Replayed"),
        body: await response.text(),
      };
    };

    for (const [key, first] of Object.entries(expected.answers))
      expect(await post(first.user, first.n, key)).toEqual({
        status: first.status,
        replayed: "true",
        body: first.body,
      });
    // Another request with an old key is written: the key may have been another device's.
    const other = await post("device-2", 99, "auth-key-1");
    expect([other.status, other.replayed]).toEqual([200, null]);
    // Stored in device-2's own scope now: its retry is replayed.
    expect(await post("device-2", 99, "auth-key-1")).toEqual({ ...other, replayed: "true" });
    expect(await gw.stop()).toBe(0);

    const written = (await readAll(expected.topic)).slice(before).map((r) => JSON.parse(r.value!.toString()).n);
    expect(written).toEqual([99]);
  }, 120_000);
});
