import { describe, expect, test } from "bun:test";
import { apiVersionsV3, ConnectionPool } from "@platformatic/kafka";
import { deafBroker } from "../../../test/support/deaf-broker.ts";
import { settled, waitFor } from "../../../test/support/wait-for.ts";
import { onFetchSent } from "./fetch-sends.ts";
import { fetchOver } from "./fetch-test-support.ts";

/**
 * A Fetch over `pool` to `address` is written, then the pool closed: the Fetch settles with "Connection closed", within
 * a bound (a Fetch that never went out never settles).
 */
async function fetchClosedWithPool(pool: ConnectionPool, address: { host: string; port: number }): Promise<void> {
  let written = 0;
  const fetched = fetchOver(pool, address, () => written++).catch((error: unknown) => error);
  await waitFor(() => written === 1, { what: "the Fetch written" });
  await pool.close();
  expect(await settled(fetched, { timeoutMs: 3000, what: "the Fetch settled" })).toEqual(
    expect.objectContaining({ message: "Connection closed" }),
  );
}

// review f3hang-d P3: the fetcher's pool had its connections' `send` wrapped twice, once per concern (batch checks,
// Fetch timing), each with its own idea of which request is a Fetch.
describe("onFetchSent", () => {
  test("each hook of a pool sees each Fetch once, in the order added, and may wrap its end; other requests pass by", async () => {
    await using broker = await deafBroker();
    const address = { host: "127.0.0.1", port: broker.port };
    const pool = new ConnectionPool("c", {});
    const seen: string[] = [];
    onFetchSent(pool, () => void seen.push("first"));
    onFetchSent(pool, (fetch) => {
      seen.push("second");
      const { callback } = fetch;
      fetch.callback = (error, response) => {
        seen.push("ended");
        callback(error, response);
      };
    });
    const connection = await pool.get(address);
    const versions = new Promise((resolve) => apiVersionsV3.api(connection, "c", "1", resolve));
    const fetched = fetchOver(pool, address).catch((error: unknown) => error);
    await waitFor(() => seen.length === 2, { what: "the Fetch seen" });
    await pool.close();
    expect(await fetched).toEqual(expect.objectContaining({ message: "Connection closed" }));
    expect(await versions).toEqual(expect.objectContaining({ message: "Connection closed" }));
    expect(seen).toEqual(["first", "second", "ended"]);
  });

  test("a hook that throws keeps neither the later hooks nor the Fetch from it: the Fetch goes out and settles", async () => {
    await using broker = await deafBroker();
    const address = { host: "127.0.0.1", port: broker.port };
    const pool = new ConnectionPool("c", {});
    const seen: string[] = [];
    onFetchSent(pool, () => {
      throw new Error("hook broken");
    });
    onFetchSent(pool, () => void seen.push("second"));
    await fetchClosedWithPool(pool, address);
    expect(seen).toEqual(["second"]);
  });

  // Review p3i: only the connections a pool made after its first hook was added were hooked.
  test("a hook added once the pool has connections sees the Fetches sent over them", async () => {
    await using broker = await deafBroker();
    const address = { host: "127.0.0.1", port: broker.port };
    const pool = new ConnectionPool("c", {});
    await pool.get(address);
    const seen: string[] = [];
    onFetchSent(pool, () => void seen.push("hooked"));
    await fetchClosedWithPool(pool, address);
    expect(seen).toEqual(["hooked"]);
  });
});
