/**
 * PKCS12 store loading: the blocking CPU time of `loadTlsMaterial` (src/tls/key-stores.ts) for a
 * PKCS12 key store (key + certificate) and a PKCS12 trust store, with node-forge's own JavaScript
 * key derivations ("forge-js", the state before src/tls/forge-native-kdf.ts) and with the
 * node:crypto ones ("native"), same process, same stores, alternating per round.
 *
 * Stores are made at start in a temp dir with keytool (Java's defaults: 10,000 iterations of
 * PBKDF2-HMAC-SHA256 and of the PKCS#12 MAC derivation) and `openssl pkcs12 -export` (OpenSSL 3:
 * 2,048 iterations; also `-legacy`: 3DES/RC2 with the PKCS#12 derivation, SHA-1 MAC).
 *
 *   node_modules/.bin/bun bench/pkcs12-load.ts
 *   BENCH_ROUNDS=10 BENCH_KDF=native node_modules/.bin/bun --cpu-prof-md bench/pkcs12-load.ts
 *
 * BENCH_ROUNDS (default 5) loads per store and variant after one first (warm-up) load, reported
 * apart: it includes the JIT warming forge's code, as at a gateway's start (with `both`, forge-js
 * loads first, so native's first load finds forge's ASN.1 code warm). BENCH_KDF `both` (default),
 * `forge-js` or `native` (one variant only, e.g. for a CPU profile).
 * Prints a markdown table of ms per load (first load; median, min–max of the rounds).
 */
import { availableParallelism, cpus } from "node:os";
import { withForgeJavaScriptKdf } from "../src/tls/forge-native-kdf.ts";
import { loadTlsMaterial } from "../src/tls/key-stores.ts";
import { makePkcs12Stores, makeRsaCert, type Pkcs12Maker } from "../test/support/pkcs12-stores.ts";
import { tempDir } from "../test/support/temp-dir.ts";

const rounds = Number(process.env.BENCH_ROUNDS ?? "5");
const kdf = process.env.BENCH_KDF ?? "both";
const variants = kdf === "both" ? ["forge-js", "native"] : [kdf];
const PASSWORD = "store-pass-1";

type Load = () => void;

function timed(variant: string, load: Load): number {
  const start = performance.now();
  if (variant === "forge-js") withForgeJavaScriptKdf(load);
  else load();
  return performance.now() - start;
}

function stats(ms: number[]): string {
  const sorted = [...ms].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] as number;
  return `${median.toFixed(1)} (${(sorted[0] as number).toFixed(1)}–${(sorted.at(-1) as number).toFixed(1)})`;
}

await using dir = await tempDir("pkcs12-bench-");
await makeRsaCert(dir.path, "server", "127.0.0.1");
const cases: { name: string; load: Load }[] = [];
for (const maker of ["keytool", "openssl", "openssl-legacy"] satisfies Pkcs12Maker[]) {
  const stores = await makePkcs12Stores(dir.path, maker, PASSWORD, {
    prefix: maker,
    certName: "server",
    caCert: dir.file("server.pem"),
  });
  const keyProps = { "ssl.keystore.location": stores.keyStore, "ssl.keystore.password": PASSWORD };
  const trustProps = { "ssl.truststore.location": stores.trustStore, "ssl.truststore.password": PASSWORD };
  cases.push({ name: `${maker} key store`, load: () => void loadTlsMaterial(keyProps) });
  cases.push({ name: `${maker} trust store`, load: () => void loadTlsMaterial(trustProps) });
}

const results = new Map<string, number[]>();
const firstLoads = new Map<string, number>();
for (const c of cases) for (const v of variants) firstLoads.set(`${c.name}\t${v}`, timed(v, c.load));
for (let round = 0; round < rounds; round++) {
  for (const c of cases) {
    const order = round % 2 === 0 ? variants : [...variants].reverse();
    for (const v of order) {
      const key = `${c.name}\t${v}`;
      results.set(key, [...(results.get(key) ?? []), timed(v, c.load)]);
    }
  }
}

console.log(`${availableParallelism()} cores, ${cpus()[0]?.model ?? "?"}, Bun ${Bun.version}, ${rounds} rounds`);
const columns = variants.flatMap((v) => [`${v} first load`, `${v} ms/load (median, min–max)`]);
console.log(`| store | ${columns.join(" | ")} |`);
console.log(`| --- | ${columns.map(() => "---").join(" | ")} |`);
for (const c of cases) {
  const cells = variants.flatMap((v) => [
    (firstLoads.get(`${c.name}\t${v}`) ?? 0).toFixed(1),
    stats(results.get(`${c.name}\t${v}`) ?? []),
  ]);
  console.log(`| ${c.name} | ${cells.join(" | ")} |`);
}
