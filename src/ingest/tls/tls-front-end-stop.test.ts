import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { type DevicePki, makeDevicePki } from "../../../test/support/device-pki.ts";
import { type TempDir, tempDir } from "../../../test/support/temp-dir.ts";
import { waitFor } from "../../../test/support/wait-for.ts";
import { type Deferred, deferred } from "../../util/async.ts";
import { loadIngestTls } from "./ingest-tls-config.ts";
import { startTlsFrontEnd, type TlsFrontEnd } from "./tls-front-end.ts";

// Kill hunt 2026-12-02: a graceful stop of the gateway destroyed every connection of the ingest
// listeners at once, so a request whose records were already spooled (or sent to Kafka) got a
// reset instead of its answer, and the device sent it again: a duplicate. `stop(drainMs)` now lets
// the answers in progress be sent first (up to drainMs), as Connect's REST server does on stop.

let dir: TempDir;
let pki: DevicePki;

beforeAll(async () => {
  dir = await tempDir("ingest-tls-stop-");
  pki = await makeDevicePki(dir.path);
}, 60_000);

afterAll(async () => {
  await dir[Symbol.asyncDispose]();
});

/** A front end whose requests wait for `release` before they are answered. */
function frontEnd(): TlsFrontEnd & { release: Deferred<void>; handled: () => number } {
  const release = deferred<void>();
  let handled = 0;
  const fe = startTlsFrontEnd({
    host: "127.0.0.1",
    port: 0,
    handler: async (request) => {
      handled++;
      await request.arrayBuffer();
      await release.promise;
      return new Response("written");
    },
    load: () =>
      loadIngestTls({
        "ingest.listeners.https.ssl.keystore.location": pki.serverPem,
        "ingest.listeners.https.ssl.reload.interval.ms": "0",
      }),
  });
  return Object.assign(fe, { release, handled: () => handled });
}

function post(fe: TlsFrontEnd): Promise<string> {
  return fetch(`https://localhost:${fe.port}/`, {
    method: "POST",
    body: "{}",
    tls: { ca: readFileSync(pki.caCert, "utf8") },
  }).then(
    async (r) => `${r.status} ${await r.text()}`,
    (error: Error) => `no answer: ${error.message}`,
  );
}

describe("TlsFrontEnd.stop", () => {
  test("with drainMs: the request in progress is answered, then the listener is closed", async () => {
    const fe = frontEnd();
    const answer = post(fe);
    await waitFor(() => fe.handled() === 1, { what: "the request handed over" });
    const stopped = fe.stop(30_000);
    fe.release.resolve();
    expect(await answer).toBe("200 written");
    await stopped;
    expect(await post(fe)).toStartWith("no answer");
  });

  test("a request still in progress after drainMs has its connection closed; the stop ends", async () => {
    const fe = frontEnd();
    const answer = post(fe);
    await waitFor(() => fe.handled() === 1, { what: "the request handed over" });
    await fe.stop(100);
    expect(await answer).toStartWith("no answer");
    fe.release.resolve();
  });
});
