/**
 * Time per entry point of the URL credential masking (hideUrlCredentials, redactUrl,
 * hideValueCredentials, urlSecrets) and of the HTTP source's current partition key, on adversarial
 * texts built by repeating the pieces the masking reads (`//` `${` `}` `@` `:` `/` `?` `=` `%2F`
 * `%40` `a` `1` `https://`) to 1e4, 2e4, 4e4 and 1e5 characters: each shape must grow about
 * linearly (doubling the text at most ~2.5× the time). Prints a markdown table, ms per call
 * (best of 2). Another checkout's sources are measured with `SRC=/path/to/src` (a tree without
 * offset-key-v4.ts is measured with v3, one without offset-key-v3.ts with its current key, offsetKey).
 * `node_modules/.bin/bun bench/url-masking-linearity.ts`
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";

const src = resolve(process.env.SRC ?? `${import.meta.dir}/../src`);
const { hideUrlCredentials, hideValueCredentials } = await import(`${src}/util/url-credentials.ts`);
const { redactUrl } = await import(`${src}/http/http-client.ts`);
const { urlSecrets } = await import(`${src}/http/url-secrets.ts`);
const v4 = `${src}/connectors/http-source/offset-key-v4.ts`;
const v3 = `${src}/connectors/http-source/offset-key-v3.ts`;
const key: (url: string) => string = existsSync(v4)
  ? (await import(v4)).offsetKeyV4
  : existsSync(v3)
    ? (await import(v3)).offsetKeyV3
    : (await import(`${src}/connectors/http-source/offset-key.ts`)).offsetKey;

const URL_START = "https://api.example/x?a=";
/** A shape: what repeats (the text's bulk) and what ends it, given the repetition count. */
const shapes: ReadonlyArray<readonly [string, (k: number) => string]> = [
  ["//${ … }@h", (k) => `${"//${".repeat(k)}}@h`],
  ["${a// … } ${c} … @h", (k) => `${"${a//".repeat(k)}}${"${c}".repeat(k)}@h`],
  ["${a// … }:1/p@h", (k) => `${"${a//".repeat(k)}}:1/p@h`],
  ["${a// … } ${c} … :1/p@h", (k) => `${"${a//".repeat(k)}}${"${c}".repeat(k)}:1/p@h`],
  ["${a// … }? a … @=", (k) => `${"${a//".repeat(k)}}?${"a".repeat(k)}@=`],
  ["${a// … }:x? … @h", (k) => `${"${a//".repeat(k)}}:x${"/a".repeat(k)}?@h`],
  ["//${a}: … @h", (k) => `${"//${a}:".repeat(k)}@h`],
  ["${ …", (k) => "${".repeat(k)],
  ["// … @", (k) => `${"//".repeat(k)}@`],
  ["//a: … /@", (k) => `${"//a:".repeat(k)}/@`],
  ["//${//: … ?@}@h", (k) => `//${"${//:".repeat(k)}?@}@h`],
  ["https:// … @h", (k) => `${"https://".repeat(k)}@h`],
  ["?a= … ", (k) => "?a=".repeat(k)],
  [";a=1? … ", (k) => ";a=1?".repeat(k)],
  ["%2F%40 … ", (k) => `https%3A%2F%2F${"%2F%40".repeat(k)}`],
  ["%3D%40// … ", (k) => "token%3D%40//".repeat(k)],
  ["%3D%253D%25253D%2525253D%26 … ", (k) => "%3D%253D%25253D%2525253D%26".repeat(k)],
  // The same, each value its own (equal values are read once; these are bounded by the decoding budget).
  [
    "%3D%253D%25253D%2525253D<i>%26 … ",
    (k) => Array.from({ length: k }, (_, i) => `%3D%253D%25253D%2525253D${i % 1000}%26`).join(""),
  ],
  ["=${a}@ … ", (k) => "=${a}@".repeat(k)],
  // Scheme-less user infos in parameters' values, plain and percent-encoded (task mask4).
  ["a:b@h&a= … (scheme-less values)", (k) => "a:b@h&a=".repeat(k)],
  ["a: then @ … (one password)", (k) => `a:${"@".repeat(k)}`],
  ["a … @h (a user name without `:`)", (k) => `${"a".repeat(k)}@h`],
  ["a:b@${ … (placeholder hosts never closed)", (k) => `a:b${"@${".repeat(k)}`],
  ["a%3Ab%40h%26a%3D … (encoded scheme-less values)", (k) => "a%3Ab%40h%26a%3D".repeat(k)],
  ["a%253A … %2540 (encoded twice, one value)", (k) => `a%253A${"b".repeat(k)}%2540h`],
  [",${a: … }b … :@h (scheme-less)", (k) => `${",${a:".repeat(k)}}${"b".repeat(k)}:s@h`],
  ["@ (${a … }b … : (scheme-less)", (k) => `@${"(${a".repeat(k)}}${"b".repeat(k)}:`],
  ["@ =${a … }b … : (scheme-less)", (k) => `@${"=${a".repeat(k)}}${"b".repeat(k)}:`],
  // Lists, `?` after a host, domains after `=` (review mask4).
  ["a:b@h, … (a list of user infos)", (k) => "a:b@h,".repeat(k)],
  ["a:b@h; … (a ;-list of user infos)", (k) => "a:b@h;".repeat(k)],
  ["k:1, … a:b@h (a host list, then a user info)", (k) => `${"k:1,".repeat(k)}a:b@h`],
  ["a:b@h? … (a DSN's options)", (k) => "a:b@h?".repeat(k)],
  ["a; … :b@h (a user name of ;)", (k) => `${"a;".repeat(k)}:b@h`],
  ["=c/a:b@h … (domains after =)", (k) => "=c/a:b@h".repeat(k)],
  ["?a: … @h (each ? a start)", (k) => `${"?a:".repeat(k)}@h`],
  ["a%3Ab%40h%3F … (encoded DSN options)", (k) => "a%3Ab%40h%3F".repeat(k)],
  ["a@ … :b@h (an email user name)", (k) => `${"a@".repeat(k)}:b@h`],
  ["a@b:c@h; … (email user infos in a ;-list)", (k) => "a@b:c@h;".repeat(k)],
];
const entryPoints: ReadonlyArray<readonly [string, (text: string) => unknown]> = [
  ["hideUrlCredentials", hideUrlCredentials],
  ["redactUrl", redactUrl],
  ["hideValueCredentials", (t) => hideValueCredentials(`Invalid value ${t} for configuration http.url`, t)],
  ["urlSecrets", urlSecrets],
  ["key", key],
];
const sizes = [10_000, 20_000, 40_000, 100_000];
// A shape past this many ms at one size is not timed at the larger ones (a quadratic one would take minutes).
const GIVE_UP_MS = 3_000;

function ms(f: () => unknown): number {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 2; i++) {
    const t0 = Bun.nanoseconds();
    f();
    best = Math.min(best, (Bun.nanoseconds() - t0) / 1e6);
  }
  return best;
}

console.log(`sources: ${src}`);
console.log(`| shape | entry point | ${sizes.map((s) => `${s / 1000}k chars`).join(" | ")} | × per 2× |`);
console.log(`|---|---|${sizes.map(() => "--:|").join("")}--:|`);
for (const [name, shape] of shapes) {
  const unit = shape(2).length - shape(1).length;
  for (const [entry, f] of entryPoints) {
    const times: number[] = [];
    for (const size of sizes) {
      if (times.length > 0 && times[times.length - 1]! > GIVE_UP_MS) break;
      const text = `${URL_START}${shape(Math.floor((size - URL_START.length) / unit))}`;
      times.push(ms(() => f(text)));
    }
    // The time's growth per doubling of the text, from the first size to the last one timed (times
    // under 0.2 ms, timer and collector noise, count as 0.2 ms).
    const last = times.length - 1;
    const growth =
      (Math.max(times[last]!, 0.2) / Math.max(times[0]!, 0.2)) ** (Math.log(2) / Math.log(sizes[last]! / sizes[0]!));
    const cells = sizes.map((_, i) => (times[i] === undefined ? "–" : times[i]!.toFixed(1)));
    console.log(`| \`${name}\` | ${entry} | ${cells.join(" | ")} | ${last === 0 ? "–" : growth.toFixed(1)} |`);
  }
}
