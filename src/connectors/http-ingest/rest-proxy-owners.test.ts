/**
 * The stored connector naming a REST Proxy topic (rest-proxy-owners.ts): read leniently, so a
 * config that does not parse still holds its topics, and read again only after a write to the
 * store (REST Proxy requests ask on every request).
 */
import { expect, test } from "bun:test";
import { tempDir } from "../../../test/support/temp-dir.ts";
import { ConfigStore } from "../../store/config-store.ts";
import { openDatabase } from "../../store/database.ts";
import { HTTP_INGEST_CONNECTOR } from "./config.ts";
import { restProxyOwners } from "./rest-proxy-owners.ts";

test("owners of REST Proxy topics follow the stored configs, read once per write", async () => {
  await using dir = await tempDir("rest-proxy-owners-");
  const db = openDatabase(dir.path);
  const configs = new ConfigStore(db);
  let reads = 0;
  const counted = {
    get writes() {
      return configs.writes;
    },
    names: () => {
      reads++;
      return configs.names();
    },
    get: (name: string) => configs.get(name),
  };
  const owners = restProxyOwners(
    counted,
    (c) => (c === "HttpIngestSource" ? HTTP_INGEST_CONNECTOR : c),
    () => undefined,
  );
  // A config that no longer parses (a bad number) still holds the topics it names.
  configs.putConfig("strict", {
    "connector.class": "HttpIngestSource",
    "kafka.topic": "t",
    "ingest.rest.proxy.topics": " a , b",
    "ingest.max.body.bytes": "lots",
    "ingest.retry.after.seconds": "9",
  });
  configs.putConfig("off", {
    "connector.class": HTTP_INGEST_CONNECTOR,
    "ingest.rest.proxy.enable": "FALSE",
    "ingest.rest.proxy.topics": "c",
  });
  configs.putConfig("other", { "connector.class": "FileStreamSource", "ingest.rest.proxy.topics": "c" });
  expect(owners("a")).toEqual([{ connector: "strict", stopped: false, retryAfterSeconds: 9 }]);
  expect(owners("b")).toEqual([{ connector: "strict", stopped: false, retryAfterSeconds: 9 }]);
  expect(owners("t")).toEqual([]);
  expect(owners("c")).toEqual([]);
  expect(reads).toBe(1);

  configs.putStopped("strict");
  expect(owners("a")).toEqual([{ connector: "strict", stopped: true, retryAfterSeconds: 9 }]);
  expect(owners("a")).toHaveLength(1);
  expect(reads).toBe(2);
  configs.remove("strict");
  expect(owners("a")).toEqual([]);
  expect(reads).toBe(3);
  // The store closed (shutdown): the owners last read.
  configs.putConfig("late", { "connector.class": "HttpIngestSource", "ingest.rest.proxy.topics": "a" });
  db.close();
  expect(owners("a")).toEqual([]);
});

test("a list that is a config provider reference holds its route's topics, and every unnamed topic while it has no route", async () => {
  await using dir = await tempDir("rest-proxy-owners-ref-");
  const configs = new ConfigStore(openDatabase(dir.path));
  const routes = new Map<string, readonly string[]>();
  const owners = restProxyOwners(
    configs,
    (c) => c,
    (c) => routes.get(c),
  );
  configs.putConfig("strict", {
    "connector.class": HTTP_INGEST_CONNECTOR,
    "ingest.rest.proxy.topics": "${file:/etc/gateway/topics.properties:topics}",
  });
  configs.putConfig("named", { "connector.class": HTTP_INGEST_CONNECTOR, "ingest.rest.proxy.topics": "n" });
  const strict = { connector: "strict", stopped: false, retryAfterSeconds: 5, unresolved: true };
  // No route (its provider failed at its start): it may name any topic no stored connector names.
  expect(owners("orders")).toEqual([strict]);
  expect(owners("n")).toEqual([{ connector: "named", stopped: false, retryAfterSeconds: 5 }]);
  // Running: the topics its resolved config names.
  routes.set("strict", ["orders"]);
  expect(owners("orders")).toEqual([strict]);
  expect(owners("other")).toEqual([]);
  // Resolved to a topic another connector names literally (it resolved to another when validated): two owners.
  routes.set("strict", ["orders", "n"]);
  expect(owners("n")).toEqual([{ connector: "named", stopped: false, retryAfterSeconds: 5 }, strict]);
  routes.delete("strict");
  expect(owners("n")).toEqual([{ connector: "named", stopped: false, retryAfterSeconds: 5 }]);
  configs.putStopped("strict");
  expect(owners("other")).toEqual([{ ...strict, stopped: true }]);
});
