import { describe, expect, test } from "bun:test";
import type { Broker } from "@platformatic/kafka";
import { deafBroker } from "../../../test/support/deaf-broker.ts";
import { waitFor } from "../../../test/support/wait-for.ts";
import { FetchConnections, type FetchWatch } from "./fetch-connections.ts";
import { fetchOver } from "./fetch-test-support.ts";
import type { FetchOnWire } from "./unanswered-fetches.ts";

const fetchOf = (): FetchOnWire => ({ partitions: [], node: -1, since: Number.NaN, hung: false });

/** The failure a Fetch settles with. */
const failureOf = (fetched: Promise<unknown>) =>
  fetched.then(
    () => null,
    (error: unknown) => error,
  );

describe("FetchConnections", () => {
  test("tells the watch of each Fetch written through a route, with the broker it went to, and of its end", async () => {
    await using one = await deafBroker();
    await using two = await deafBroker();
    const brokers = new Map<number, Broker>([
      [1, { host: "127.0.0.1", port: one.port }],
      [2, { host: "127.0.0.1", port: two.port }],
    ]);
    const told: string[] = [];
    const fetch = fetchOf();
    const watch: FetchWatch = {
      written: (f, node) => void told.push(`${f === fetch ? "fetch" : "other"} written to ${node}`),
      ended: (f) => void told.push(`${f === fetch ? "fetch" : "other"} ended`),
    };
    const pool = new FetchConnections("c", {}, watch, () => brokers);
    // Asked of broker 1, sent to broker 2 (its partition's leadership moved).
    const failure = failureOf(fetchOver(pool.route(1, fetch), brokers.get(2)!));
    await waitFor(() => told.length === 1, { what: "the Fetch written" });
    await pool.close();
    expect(await failure).toEqual(expect.objectContaining({ message: "Connection closed" }));
    expect(told).toEqual(["fetch written to 2", "fetch ended"]);
  });

  // review f3hang-c P3: the watch was told before the library's callback was handed on, so a watch that threw left the
  // library's fetch without an answer for good.
  test("a watch that throws does not keep the Fetch from going out and settling", async () => {
    await using broker = await deafBroker();
    const address = { host: "127.0.0.1", port: broker.port };
    const watch: FetchWatch = {
      written: () => {
        throw new Error("watch broken");
      },
      ended: () => {},
    };
    const pool = new FetchConnections("c", {}, watch, () => new Map([[1, address]]));
    const failure = failureOf(fetchOver(pool.route(1, fetchOf()), address));
    await waitFor(() => broker.sockets.length === 1, { what: "the connection" });
    await pool.close();
    expect(await failure).toEqual(expect.objectContaining({ message: "Connection closed" }));
  });

  // review f3hang-d P3: a route kept its last fetch once that settled, so a Fetch written over it later was timed as it.
  test("a Fetch a route writes once its fetch settled is not timed", async () => {
    await using broker = await deafBroker();
    const address = { host: "127.0.0.1", port: broker.port };
    const told: string[] = [];
    const watch: FetchWatch = {
      written: (_, node) => void told.push(`written to ${node}`),
      ended: () => void told.push("ended"),
    };
    const pool = new FetchConnections("c", {}, watch, () => new Map([[1, address]]));
    const fetch = fetchOf();
    const route = pool.route(1, fetch);
    let written = 0;
    const first = failureOf(fetchOver(route, address, () => written++));
    await waitFor(() => written === 1, { what: "the fetch's Fetch written" });
    pool.settled(1, fetch);
    const late = failureOf(fetchOver(route, address, () => written++));
    await waitFor(() => written === 2, { what: "the late Fetch written" });
    await pool.close();
    expect([await first, await late]).toEqual(Array(2).fill(expect.objectContaining({ message: "Connection closed" })));
    expect(told).toEqual(["written to 1", "ended"]);
  });
});
