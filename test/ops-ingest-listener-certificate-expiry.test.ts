/**
 * The https ingest listener's own certificate out of its validity window, on the gateway (the
 * compiled binary when GATEWAY_BIN is set; opshunt2's probe "an expired cert"): devices refuse it in
 * the handshake with an alert the gateway never logs, so the listener started silently and a
 * forgotten renewal showed only as devices going quiet. Now the start WARNs naming the listener, the
 * certificate and its end, and so does a reload of a key store whose certificate expires within 7
 * days; a renewed certificate valid for longer reloads without one. An https admin listener (as the
 * REST listeners) WARNs at start too (opshunt2 review). Key stores are replaced as operators do:
 * written beside, then renamed over.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { caDate, issueCert } from "./support/cert-authority.ts";
import { startGateway } from "./support/gateway.ts";
import { kafkaBroker } from "./support/kafka.ts";
import { tempDir } from "./support/temp-dir.ts";
import { makeTls, TEST_CA } from "./support/tls.ts";

const DAY_MS = 86_400_000;
const REFUSED = "clients refuse it in the TLS handshake once it is not valid";
const AFTER = `${REFUSED}: renew the key store (ingest.listeners.https.ssl.keystore.*), read again within ingest.listeners.https.ssl.reload.interval.ms`;

/** Writes `contents` to `path` atomically: a file beside it, renamed over it. */
function replaceFile(path: string, contents: string): void {
  writeFileSync(`${path}.new`, contents);
  renameSync(`${path}.new`, path);
}

describe("the https ingest listener's certificate out of its validity window", () => {
  test("an expired one WARNs at start, one expiring within 7 days at its reload, a renewed one reloads without a WARN", async () => {
    await using dir = await tempDir("ops-ingest-listener-cert-");
    await makeTls(dir.path);
    const store = (cert: { cert: string; key: string }) =>
      readFileSync(cert.key, "utf8") + readFileSync(cert.cert, "utf8");
    const san = { san: "IP:127.0.0.1" };
    const expired = await issueCert(dir.path, TEST_CA, "expired", "old-gateway", {
      ...san,
      startDate: "20200101000000Z",
      endDate: "20200201000000Z",
    });
    const soon = await issueCert(dir.path, TEST_CA, "soon", "soon-gateway", {
      ...san,
      endDate: caDate(Date.now() + 3 * DAY_MS + 3_600_000),
    });
    const renewed = await issueCert(dir.path, TEST_CA, "renewed", "renewed-gateway", {
      ...san,
      endDate: caDate(Date.now() + 90 * DAY_MS),
    });
    const keystore = dir.file("ingest-store.pem");
    writeFileSync(keystore, store(expired));
    const adminStore = dir.file("admin-store.pem");
    writeFileSync(adminStore, store(soon));
    await using gw = await startGateway({
      dir: dir.path,
      worker: {
        "bootstrap.servers": (await kafkaBroker()).bootstrap,
        "ingest.listeners": "https://127.0.0.1:0",
        "ingest.listeners.https.ssl.keystore.location": keystore,
        "ingest.listeners.https.ssl.keystore.type": "PEM",
        "ingest.listeners.https.ssl.reload.interval.ms": "100",
        "admin.listeners": "https://127.0.0.1:0",
        "admin.listeners.https.ssl.keystore.location": adminStore,
        "admin.listeners.https.ssl.keystore.type": "PEM",
      },
    });
    const url = (await gw.waitForOutput(/Ingest listener open at (https:\/\/[^\s]+?)\/?\s/))[1]!;
    const warnings = () =>
      gw
        .output()
        .split("\n")
        .filter((l) => l.includes("WARN The https ingest listener"))
        .map((l) => l.replace(/^.*? WARN /, "").replace(/ \([\w.]+\)$/, ""));
    expect(warnings()).toEqual([
      `The https ingest listener ${url}: the key store's certificate CN=old-gateway expired on 2020-02-01T00:00:00Z; ${AFTER}`,
    ]);
    const adminUrl = (await gw.waitForOutput(/Admin REST server listening at (https:\/\/[^\s]+?)\/?\s/))[1]!;
    const adminWarning = gw
      .output()
      .split("\n")
      .filter((l) => l.includes("WARN The https admin listener"))
      .map((l) => l.replace(/^.*? WARN /, "").replace(/ \([\w.]+\)$/, ""));
    expect(adminWarning).toHaveLength(1);
    expect(adminWarning[0]).toMatch(
      new RegExp(
        `^The https admin listener ${adminUrl}: the key store's certificate CN=soon-gateway expires on \\S+ \\(in 3 days\\); ${REFUSED}: renew the key store \\(admin\\.listeners\\.https\\.ssl\\.keystore\\.\\*\\), then restart the gateway$`,
      ),
    );

    replaceFile(keystore, store(soon));
    await gw.waitForOutput(/WARN The https ingest listener .*CN=soon-gateway/, 30_000);
    expect(warnings()[1]).toMatch(
      new RegExp(
        `^The https ingest listener ${url}: the key store's certificate CN=soon-gateway expires on \\S+ \\(in 3 days\\); `,
      ),
    );

    const reloads = () => gw.output().split("Reloaded the ingest listener's TLS key store").length - 1;
    const before = reloads();
    replaceFile(keystore, `${store(renewed)}\n`);
    await gw.waitUntil(() => reloads() > before, 30_000, "the renewed key store reloaded");
    expect(warnings()).toHaveLength(2);
    expect(await gw.stop()).toBe(0);
  }, 120_000);
});
