import { describe, expect, test } from "bun:test";
import { type Broker, type Connection, type ConnectionPool, fetchV17 } from "@platformatic/kafka";
import { deafBroker } from "../../../test/support/deaf-broker.ts";
import { waitFor } from "../../../test/support/wait-for.ts";
import { FetchConnections, type FetchWatch } from "./fetch-connections.ts";
import type { FetchOnWire } from "./unanswered-fetches.ts";

const fetchOf = (): FetchOnWire => ({ partitions: [], node: -1, since: Number.NaN, hung: false });

/** As the library's fetch: a connection from `pool`, a Fetch written on it at once; `settled` hears its end. */
function fetchOver(pool: ConnectionPool, broker: Broker, settled: (error: unknown) => void): void {
  pool.get(broker, (error, connection) => {
    if (error) return settled(error);
    try {
      fetchV17.api(connection as Connection, 500, 1, 1024, 0, 0, 0, [], [], "", (e) => settled(e));
    } catch {
      // A watch that throws: the library's fetch would see it here; what matters is that the Fetch still settles.
    }
  });
}

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
    const settled: unknown[] = [];
    // Asked of broker 1, sent to broker 2 (its partition's leadership moved).
    fetchOver(pool.route(1, fetch), brokers.get(2)!, (error) => void settled.push(error));
    await waitFor(() => told.length === 1, { what: "the Fetch written" });
    await pool.close();
    await waitFor(() => settled.length === 1, { what: "the Fetch failed by the close" });
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
    const settled: unknown[] = [];
    fetchOver(pool.route(1, fetchOf()), address, (error) => void settled.push(error));
    await waitFor(() => broker.sockets.length === 1, { what: "the connection" });
    await pool.close();
    await waitFor(() => settled.length === 1, { what: "the Fetch failed by the close" });
    expect(settled).toEqual([expect.objectContaining({ message: "Connection closed" })]);
  });
});
