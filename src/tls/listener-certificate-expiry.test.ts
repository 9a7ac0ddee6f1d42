import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { makeDevicePki } from "../../test/support/device-pki.ts";
import { type TempDir, tempDir } from "../../test/support/temp-dir.ts";
import { timerMs } from "../util/clock.ts";
import { LogManager } from "../util/logger.ts";
import { ManualClock } from "../util/manual-clock.ts";
import { clockTimer } from "../util/timer.ts";
import {
  type ListenerCertificate,
  ListenerCertificateExpiry,
  listenerCertificateWarning,
} from "./listener-certificate-expiry.ts";

let dir: TempDir;
/** CN=gateway, valid from 2030-01-01 to 2030-01-11, followed by its CA. */
let chain: string;
/** CN=renewed, valid from 2030-01-01 to 2030-06-01 (longer than setTimeout's longest delay). */
let renewed: string;
beforeAll(async () => {
  dir = await tempDir("listener-cert-expiry-");
  const pki = await makeDevicePki(dir.path);
  const dated = await pki.issue("dated", "gateway", { startDate: "20300101000000Z", endDate: "20300111000000Z" });
  chain = readFileSync(dated.cert, "utf8") + readFileSync(pki.caCert, "utf8");
  const later = await pki.issue("renewed", "renewed", { startDate: "20300101000000Z", endDate: "20300601000000Z" });
  renewed = readFileSync(later.cert, "utf8");
});
afterAll(() => dir[Symbol.asyncDispose]());

const ingest: ListenerCertificate = {
  listener: "The https ingest listener https://127.0.0.1:8443",
  prefix: "ingest.listeners.https.",
  remedy: "read again within ingest.listeners.https.ssl.reload.interval.ms",
};
const rest: ListenerCertificate = {
  listener: "The https REST listener https://0.0.0.0:8083",
  prefix: "listeners.https.",
  remedy: "then restart the gateway",
};
const refused = "clients refuse it in the TLS handshake once it is not valid";
/** Lets the timers the clock woke run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

// opshunt2: an expired listener certificate started silently; clients refused it without a word in the log.
describe("listenerCertificateWarning", () => {
  test.each([
    ["2030-01-02T00:00:00Z", ingest, undefined],
    [
      "2029-12-31T00:00:00Z",
      ingest,
      `The https ingest listener https://127.0.0.1:8443: the key store's certificate CN=gateway is not valid before 2030-01-01T00:00:00Z; ${refused}: renew the key store (ingest.listeners.https.ssl.keystore.*), read again within ingest.listeners.https.ssl.reload.interval.ms`,
    ],
    [
      "2030-01-12T00:00:00Z",
      ingest,
      `The https ingest listener https://127.0.0.1:8443: the key store's certificate CN=gateway expired on 2030-01-11T00:00:00Z; ${refused}: renew the key store (ingest.listeners.https.ssl.keystore.*), read again within ingest.listeners.https.ssl.reload.interval.ms`,
    ],
    [
      "2030-01-08T00:00:00Z",
      rest,
      `The https REST listener https://0.0.0.0:8083: the key store's certificate CN=gateway expires on 2030-01-11T00:00:00Z (in 3 days); ${refused}: renew the key store (listeners.https.ssl.keystore.*), then restart the gateway`,
    ],
  ])("at %s", (now, listener, warning) => {
    expect(listenerCertificateWarning(chain, listener, Date.parse(now))).toBe(warning);
  });
});

// opshunt2 review: a listener running for weeks never warned when its certificate entered the
// 7-day window or expired; the check ran only at start and reload.
describe("ListenerCertificateExpiry", () => {
  /** A watcher on a manual clock whose timers are capped as setTimeout's are (timerMs), with its WARN messages. */
  function watcher(start: string) {
    const clock = new ManualClock(Date.parse(start));
    const warnings: string[] = [];
    const logs = new LogManager({
      sink: (line) => warnings.push(line.slice(line.indexOf(rest.listener)).replace(/ \(listener\)$/, "")),
    });
    const timer = clockTimer(clock);
    const expiry = new ListenerCertificateExpiry({
      ...rest,
      log: logs.get("listener"),
      now: () => clock.now(),
      setTimer: (run, ms) => timer(run, timerMs(ms)),
    });
    return { clock, warnings, expiry };
  }
  const DAY = 86_400_000;
  const notice = (text: string) =>
    `${rest.listener}: the key store's certificate ${text}; ${refused}: renew the key store (listeners.https.ssl.keystore.*), then restart the gateway`;

  test("warns when the certificate enters the 7-day window and when it expires, once each", async () => {
    // The window starts 143 days on: a timer beyond setTimeout's cap fires early and is armed again.
    const { clock, warnings, expiry } = watcher("2030-01-02T00:00:00Z");
    expiry.watch(renewed);
    expect(warnings).toEqual([]);
    clock.set(Date.parse("2030-05-24T23:59:59.999Z"));
    await settle();
    expect(warnings).toEqual([]);
    clock.advance(1);
    await settle();
    expect(warnings).toEqual([notice("CN=renewed expires on 2030-06-01T00:00:00Z (in 7 days)")]);
    clock.set(Date.parse("2030-06-01T00:00:00Z"));
    await settle();
    expect(warnings).toHaveLength(1);
    clock.advance(1);
    await settle();
    expect(warnings).toEqual([
      notice("CN=renewed expires on 2030-06-01T00:00:00Z (in 7 days)"),
      notice("CN=renewed expired on 2030-06-01T00:00:00Z"),
    ]);
    clock.advance(365 * DAY);
    await settle();
    expect(warnings).toHaveLength(2);
    expect(clock.pending).toBe(0);
  });

  test("warns at once within the window, then when it expires", async () => {
    const { clock, warnings, expiry } = watcher("2030-01-08T00:00:00Z");
    expiry.watch(chain);
    expect(warnings).toEqual([notice("CN=gateway expires on 2030-01-11T00:00:00Z (in 3 days)")]);
    clock.advance(3 * DAY + 1);
    await settle();
    expect(warnings).toHaveLength(2);
    expect(warnings[1]).toBe(notice("CN=gateway expired on 2030-01-11T00:00:00Z"));
  });

  test("a certificate watched again (a reload) replaces the previous one's timers; stop clears them", async () => {
    const { clock, warnings, expiry } = watcher("2030-01-02T00:00:00Z");
    expiry.watch(chain);
    expiry.watch(renewed);
    clock.set(Date.parse("2030-01-12T00:00:00Z"));
    await settle();
    expect(warnings).toEqual([]);
    clock.set(Date.parse("2030-05-25T00:00:00Z"));
    await settle();
    expect(warnings).toEqual([notice("CN=renewed expires on 2030-06-01T00:00:00Z (in 7 days)")]);
    expiry.stop();
    clock.set(Date.parse("2030-07-01T00:00:00Z"));
    await settle();
    expect(warnings).toHaveLength(1);
  });
});
