/**
 * What a CRL / trust store reload blocks the event loop for: the time `stillAcceptedUnder`
 * (src/ingest/tls/still-accepted.ts) takes to decide for every open client-certificate connection,
 * as tls-front-end.ts runs it inside `reloadIfChanged` (review-crlreload2 P2-3: 0.32 ms per
 * connection before, ~3 s at 10,000 connections).
 *
 * A device PKI is made at start with openssl (test/support/device-pki.ts): BENCH_DEVICES distinct
 * device certificates (default 100), the CA's CRL, and BENCH_EXTRA_CAS other CAs in the trust store
 * (default 0; the review measured 200 too). 10,000 fake peers (`getPeerCertificate(true)` as node
 * links it) share those devices round robin: "10,000 connections" reports the whole reload;
 * "per distinct device" the cost of a chain decided for the first time (its verdict is kept for the
 * reload), measured with one peer per device.
 *
 *   node_modules/.bin/bun bench/still-accepted-reload.ts
 *   BENCH_DEVICES=200 BENCH_EXTRA_CAS=200 node_modules/.bin/bun bench/still-accepted-reload.ts
 *
 * Prints the median ms of BENCH_ROUNDS (default 5) reloads after one warm-up.
 */
import { readFileSync } from "node:fs";
import { availableParallelism, cpus } from "node:os";
import type { DetailedPeerCertificate } from "node:tls";
import { revocationLists } from "../src/ingest/tls/revocation-list.ts";
import { stillAcceptedUnder } from "../src/ingest/tls/still-accepted.ts";
import { EC_KEY, selfSignedCert } from "../test/support/cert-authority.ts";
import { makeDevicePki } from "../test/support/device-pki.ts";
import { peerChain as peer } from "../test/support/peer-chain.ts";
import { tempDir } from "../test/support/temp-dir.ts";

const devices = Number(process.env.BENCH_DEVICES ?? "100");
const extraCas = Number(process.env.BENCH_EXTRA_CAS ?? "0");
const rounds = Number(process.env.BENCH_ROUNDS ?? "5");
const CONNECTIONS = 10_000;

await using dir = await tempDir("bench-still-accepted-");
const pki = await makeDevicePki(dir.path);
const read = (path: string) => readFileSync(path, "utf8");
const ca = read(pki.caCert);
const distinct: DetailedPeerCertificate[] = [];
for (let i = 0; i < devices; i++) distinct.push(peer(read((await pki.issue(`d${i}`, `device-${i}`)).cert), ca));
const others: string[] = [];
for (let i = 0; i < extraCas; i++) {
  await selfSignedCert(dir.path, `x${i}`, `other CA ${i}`, { key: EC_KEY, days: 3 });
  others.push(read(dir.file(`x${i}.pem`)));
}
const material = () => ({ trustStore: [ca, ...others], crls: revocationLists(readFileSync(pki.crl)), now: Date.now() });
const peers = Array.from({ length: CONNECTIONS }, (_, i) => distinct[i % devices]!);

function timed(list: readonly DetailedPeerCertificate[]): number {
  const m = material(); // parsed at each reload, as ingest-tls-config.ts does, but outside the timing
  const start = performance.now();
  const accepted = stillAcceptedUnder(m);
  for (const p of list) if (!accepted(p)) throw new Error("a device's connection was not kept");
  return performance.now() - start;
}
const median = (f: () => number) => {
  f();
  const times = Array.from({ length: rounds }, f).sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
};

const whole = median(() => timed(peers));
const perDevice = median(() => timed(distinct)) / devices;
console.log(`${cpus()[0]?.model ?? "?"}, ${availableParallelism()} cores; trust store: ${1 + extraCas} CAs`);
console.log("| measure | ms |\n|---|---|");
console.log(`| 10,000 connections of ${devices} devices (one reload) | ${whole.toFixed(1)} |`);
console.log(`| per distinct device (first decision) | ${perDevice.toFixed(3)} |`);
console.log(`| 10,000 distinct devices (extrapolated) | ${(perDevice * CONNECTIONS).toFixed(0)} |`);
