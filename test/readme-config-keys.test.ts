/**
 * The README's config keys against their declarations (the same declarations docs/*.md are
 * generated from; test/docs.test.ts checks those pages): every key the README names in backticks
 * is one the gateway declares (worker, connector framework, a plugin, under any accepted spelling,
 * a config provider) or a Kafka client key (also under `producer.`, `consumer.`, `admin.`, their
 * `.override.` forms and the listeners' `…https.` prefixes), else one of the few words below that
 * look like keys and are not (files, topic configs, the typos the README shows being warned about),
 * each with its reason. The defaults the README states (the "Configuration" table and each
 * "`key` (default …)") must be the declared ones. No broker, no binary: the declarations only.
 */
import { describe, expect, test } from "bun:test";
import { builtinConfigProviders } from "../src/config-providers/config-provider.ts";
import { type ClientType, clientConfigKey } from "../src/kafka/client-config-keys.ts";
import { AliasedConfigDef } from "../src/plugin/config-aliases.ts";
import type { ConfigDef } from "../src/plugin/config-def.ts";
import { describeKey } from "../src/plugin/describe-config.ts";
import { builtInPlugins } from "../src/plugins.ts";
import { commonConnectorConfig } from "../src/runtime/connector-config.ts";
import { sinkOnlyConfig } from "../src/runtime/sink-connector-config.ts";
import { sourceOnlyConfig } from "../src/runtime/source-connector-config.ts";
import { IGNORED_KEYS, workerConfigDef } from "../src/worker-config.ts";
import { readmeText } from "./support/readme.ts";

/** Words in the README's backticks that look like config keys and are none of the gateway's, with why. */
const NOT_KEYS: Record<string, string> = {
  "offest.flush.interval.ms": "the README's example of a typo the gateway warns about",
  "producer.lingerms": "the README's example of a typo the gateway warns about",
  "rest.port": "the README's example of a key of workers before Connect 3.0, warned about",
  "listeners.https.ssl.keystore.locaton": "the README's example of a typo the gateway warns about",
  "max.message.bytes": "a topic config",
  "message.timestamp.after.max.ms": "a topic config",
  "retention.ms": "a topic config",
  "replication.factor": "a topic config",
  "min.insync.replicas": "a topic (and broker) config",
  "message.max.bytes": "a broker config",
  "producer.id.expiration.ms": "a broker config",
  "auto.create.topics.enable": "a broker config",
  "http.response.record.key.pointer": "castorm's key, named as the peer's",
  "http.request.url": "castorm's key, named as the peer's (warned about when set)",
  "http.request.params": "castorm's key, named as the peer's (warned about when set)",
  "http.response.list.pointer": "castorm's key, named as the peer's (warned about when set)",
  "http.response.record.offset.pointer": "castorm's key, named as the peer's (warned about when set)",
  "http.timer.interval.millis": "castorm's key, named as the peer's (warned about when set)",
  "auth.token": "keys of a hypothetical plugin in 'Writing a plugin'",
  "auth.type": "keys of a hypothetical plugin in 'Writing a plugin'",
  "plugin.version": "the suffix of transforms.<alias>.plugin.version in a REST answer",
  "cert.o": "an ingest.acl.allow attribute condition",
  "cert.san.dns": "an ingest.acl.allow attribute condition",
  "claim.fleet": "an ingest.acl.allow attribute condition",
  "ingest.identity": "the record header an ingest route adds",
  "http.client": "Python's module",
  "streaming.connection.max.duration.ms": "Confluent REST Proxy's key, named as the peer's",
  "components.schemas": "a part of the OpenAPI document",
  "transforms.ab.type": "the README's example of a key name a 2-character secret alias stands in",
  "connection.password":
    "the README's example of a key name in a validation message a secret with a comma leaves readable",
};
const FILE = /\.(ts|db|db-wal|db-shm|pem|key|p12|json|jks|crl|csr|properties|md|sh|mjs|txt|jpg|cnf)$/;
const CLIENT_TYPES: readonly ClientType[] = ["producer", "consumer", "admin"];
const CLIENT_PREFIXES = /^(?:(producer|consumer|admin)\.(?:override\.)?|(?:admin\.|ingest\.)?listeners\.https\.)/;
const CONVERTER_PREFIX = /^(?:key|value|header)\.converter\./;
/** Keys the https REST listeners read under `listeners.https.` beside the clients' ssl.* keys, as Connect's RestServerConfig. */
const LISTENER_KEYS = new Set(["ssl.client.auth"]);
/** The HTTP sink's header family `sink.header.<NAME>` (also under its Flink prefixes). */
const HEADER_FAMILY = /^(?:flink\.connector\.http\.|http\.)?sink\.header\.[\w-]+$/;
/** Java packages and classes (`org.apache.kafka.clients.producer`). */
const PACKAGE = /^(?:org|io|com)\./;

const defs = [
  workerConfigDef,
  commonConnectorConfig,
  sourceOnlyConfig,
  sinkOnlyConfig,
  ...builtInPlugins.map((p) => p.config),
  ...builtinConfigProviders.map((p) => p.config),
] as ConfigDef<unknown>[];

/** Every declared spelling → the declared defaults (Connect's string form; null: none). */
const declared = new Map<string, (string | null)[]>();
for (const def of defs) {
  for (const k of def.keys) {
    const spellings = def instanceof AliasedConfigDef ? def.spellings(k.name) : [k.name];
    const info = describeKey(k);
    for (const name of spellings) declared.set(name, [...(declared.get(name) ?? []), info.default_value]);
  }
}
const converterKeys = new Set(
  builtInPlugins.filter((p) => p.type === "converter").flatMap((p) => p.config.keys.map((k) => k.name)),
);

/** The defaults of `name` wherever it is declared (a client key's too); undefined: no such key. */
function defaultsOf(name: string): (string | null)[] | undefined {
  const client = CLIENT_TYPES.map((t) => clientConfigKey(t, name)).filter((k) => k !== undefined);
  const own = declared.get(name);
  if (own === undefined && client.length === 0) return undefined;
  return [...(own ?? []), ...client.map((k) => k.default_value)];
}

function isKey(name: string): boolean {
  if (defaultsOf(name) !== undefined || IGNORED_KEYS.includes(name) || HEADER_FAMILY.test(name)) return true;
  const client = CLIENT_PREFIXES.exec(name);
  const rest = client ? name.slice(client[0].length) : undefined;
  if (rest !== undefined && (defaultsOf(rest) !== undefined || (!client![1] && LISTENER_KEYS.has(rest)))) return true;
  if (CONVERTER_PREFIX.test(name) && converterKeys.has(name.replace(CONVERTER_PREFIX, ""))) return true;
  // KIP-158's topic.creation.<group>.<topic config>
  return /^topic\.creation\.[\w-]+\.(replication\.factor|partitions|[\w.]+)$/.test(name) && name.split(".").length > 3;
}

/** Each backticked dotted word (a `key` or `key=value`) with the README lines it is on. */
function backtickedKeys(): Map<string, number[]> {
  const found = new Map<string, number[]>();
  readmeText()
    .split("\n")
    .forEach((line, i) => {
      for (const m of line.matchAll(/`([a-z][a-z0-9-]*(?:\.[a-z0-9-]+)+)(?:=[^`]*)?`/g)) {
        const name = m[1]!;
        if (FILE.test(name) || PACKAGE.test(name)) continue;
        found.set(name, [...(found.get(name) ?? []), i + 1]);
      }
    });
  return found;
}

/** A default as the README writes it, in Connect's string form: `1 MiB` → 1048576, `30 s` of a .ms key → 30000. */
function normalized(name: string, shown: string): string {
  const text = shown.replace(/`/g, "").trim();
  const mib = /^(\d+) MiB$/.exec(text);
  if (mib) return String(Number(mib[1]) * 1_048_576);
  const seconds = /^(\d+) s$/.exec(text);
  if (seconds && name.endsWith(".ms")) return String(Number(seconds[1]) * 1000);
  return text;
}

describe("README: config keys", () => {
  test("every key the README names is declared (or is a Kafka client key)", () => {
    const unknown = [...backtickedKeys()]
      .filter(([name]) => !isKey(name) && NOT_KEYS[name] === undefined)
      .map(([name, lines]) => `${name} (line ${lines.join(", ")})`);
    expect(unknown).toEqual([]);
  });

  test("every word listed as not a key is in the README and is indeed no declared key", () => {
    const named = backtickedKeys();
    for (const name of Object.keys(NOT_KEYS)) {
      expect({ name, inReadme: named.has(name), declared: declared.has(name) }).toEqual({
        name,
        inReadme: true,
        declared: false,
      });
    }
  });

  test("the Configuration table's defaults are the declared ones", () => {
    const readme = readmeText();
    const table = readme.slice(readme.indexOf("| Key | Default | Notes |"));
    const lines = table.split("\n");
    const rows = lines.slice(
      2,
      lines.findIndex((l) => !l.startsWith("|")),
    );
    expect(rows.length).toBeGreaterThan(5);
    const shownAs: Record<string, string | null> = { unset: null, "listener's": null, empty: "" };
    for (const row of rows) {
      const [keys, shown] = row.split(" | ").map((c) => c.replace(/^\| /, ""));
      // "`a`, `b`" and "`a.b` / `.c`" (a.c).
      const names = [...keys!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
      const full = names.map((n) => (n.startsWith(".") ? names[0]!.replace(/\.[^.]+$/, n) : n));
      const values = shown!.split(", ");
      full.forEach((name, i) => {
        const value = values[Math.min(i, values.length - 1)]!;
        const expected = value in shownAs ? shownAs[value] : value.replace(/`/g, "");
        const defaults = defaultsOf(name);
        expect({ name, declared: defaults !== undefined }).toEqual({ name, declared: true });
        const matches = defaults!.some(
          (d) => d === expected || (d !== null && expected !== null && d.endsWith(`.${expected}`)),
        );
        expect({ name, shown: value, matches }).toEqual({ name, shown: value, matches: true });
      });
    }
  });

  test("each '`key` (default …)' is the declared default", () => {
    const text = readmeText().replace(/\s+/g, " ");
    const stated = [...text.matchAll(/`([a-z][a-z0-9-]*(?:\.[a-z0-9-]+)+)` \(default:? (`[^`]+`|[^,;:)]+)/g)];
    expect(stated.length).toBeGreaterThan(10);
    // Defaults the README describes rather than declares: every status ≥ 400; unset (null), which opens http://:8080.
    const described = new Set(["http.response.error.codes", "ingest.listeners"]);
    for (const [, name, shown] of stated) {
      if (described.has(name!)) continue;
      const defaults = defaultsOf(name!);
      expect({ name, declared: defaults !== undefined }).toEqual({ name, declared: true });
      const value = normalized(name!, shown!);
      expect({ name, shown, matches: defaults!.includes(value) }).toEqual({ name, shown, matches: true });
    }
  });
});
