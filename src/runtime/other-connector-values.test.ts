import { expect, test } from "bun:test";
import type { Config } from "../api/connector.ts";
import { ConfigProviderError } from "../config-providers/config-transformer.ts";
import { LogManager } from "../util/logger.ts";
import { OtherConnectorValues } from "./other-connector-values.ts";

const KEYS = ["ingest.path", "ingest.rest.proxy.topics"];
const stored = {
  "connector.class": "HttpIngestSource",
  "ingest.path": "${file:/s/route.properties:path}",
  "ingest.rest.proxy.topics": "t1",
  "ingest.auth.jwt.algorithms": "${file:/elsewhere.properties:alg}",
};

function setup(timeoutMs?: number) {
  const lines: string[] = [];
  const values = new OtherConnectorValues(new LogManager({ sink: (l) => lines.push(l) }).get("h"), timeoutMs);
  const asked: Config[] = [];
  /** A resolver recording what it is asked, answering `answer(config)`. */
  const resolver =
    (answer: (config: Config) => Promise<Config>) =>
    (config: Config): Promise<Config> => {
      asked.push(config);
      return answer(config);
    };
  return { lines, values, asked, resolver };
}

test("a running connector: the values it started with, nothing resolved", async () => {
  const { values, asked, resolver } = setup();
  const running = { ...stored, "ingest.path": "/at-start" };
  const resolve = resolver(async (c) => c);
  const got = await values.of({ name: "a", stored, running }, KEYS, resolve, "b");
  expect(got["ingest.path"]).toBe("/at-start");
  expect(asked).toEqual([]);
});

test("a connector not running: only the compared keys that are references are resolved", async () => {
  const { values, asked, resolver } = setup();
  const resolve = resolver(async (c) => ({ ...c, "ingest.path": "/now" }));
  const got = await values.of({ name: "a", stored, running: undefined }, KEYS, resolve, "b");
  expect(got["ingest.path"]).toBe("/now");
  expect(asked).toEqual([{ "ingest.path": stored["ingest.path"] }]);
});

test("a failing provider: compared as stored, a WARN naming the check, no value", async () => {
  const { values, lines } = setup();
  const resolve = async (): Promise<Config> => {
    throw new ConfigProviderError(
      "Could not read properties from file /s/route.properties",
      "Could not resolve config provider 'file' at path '/s/route.properties' referenced by ingest.path: Could not read properties from file /s/route.properties",
      new Map(),
    );
  };
  const got = await values.of({ name: "a", stored, running: undefined }, KEYS, resolve, "b");
  expect(got).toEqual(stored);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toContain(
    "WARN Could not compare connector b's ingest.path with connector a's: Could not resolve config provider 'file' at path '/s/route.properties' referenced by ingest.path: Could not read properties from file /s/route.properties; compared with its references as stored, and checked again when a starts",
  );
});

test("a provider that does not answer: each validation ends at the timeout, one resolution in flight", async () => {
  const { values, lines, asked, resolver } = setup(1);
  let answer: (c: Config) => void = () => {};
  const pending = new Promise<Config>((resolve) => {
    answer = resolve;
  });
  const resolve = resolver(() => pending);
  const other = { name: "a", stored, running: undefined };
  expect(await values.of(other, KEYS, resolve, "b")).toEqual(stored);
  expect(await values.of(other, KEYS, resolve, "c")).toEqual(stored);
  expect(asked).toHaveLength(1);
  expect(lines[1]).toContain(
    "Could not compare connector c's ingest.path with connector a's: its config provider did not answer within 1 ms",
  );
  // Once it answers, the next validation asks again.
  answer({ "ingest.path": "/late" });
  await pending;
  const fresh = resolver(async (c) => ({ ...c, "ingest.path": "/fresh" }));
  expect((await values.of(other, KEYS, fresh, "b"))["ingest.path"]).toBe("/fresh");
  expect(asked).toHaveLength(2);
});
