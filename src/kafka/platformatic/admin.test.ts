import { describe, expect, spyOn, test } from "bun:test";
import type { AddressInfo } from "node:net";
import { createServer as createTlsServer } from "node:tls";
import { Admin, MultipleErrors, NetworkError, ResponseError } from "@platformatic/kafka";
import { EC_KEY, selfSignedCert } from "../../../test/support/cert-authority.ts";
import { closedPort, tcpCutter } from "../../../test/support/tcp-forwarder.ts";
import { tempDir } from "../../../test/support/temp-dir.ts";
import { settled, waitFor } from "../../../test/support/wait-for.ts";
import type { Clock } from "../../util/clock.ts";
import { Deadline } from "../../util/deadline.ts";
import { ManualClock } from "../../util/manual-clock.ts";
import { connectPlatformaticAdmin, PlatformaticAdmin } from "./admin.ts";

/** A clock whose sleeps move it on at once: the retries' waits take no real time. */
function steppingClock(): Clock & { t: number } {
  const clock = {
    t: 0,
    now: () => clock.t,
    sleep: async (ms: number) => {
      clock.t += ms;
    },
  };
  return clock;
}

/** retry.backoff.ms 100, retry.backoff.max.ms 1 s, default.api.timeout.ms 60 s, request.timeout.ms 30 s. */
function adminOf(library: Admin, clock: Clock): PlatformaticAdmin {
  return new PlatformaticAdmin(library, {
    backoffMs: 100,
    backoffMaxMs: 1000,
    timeoutMs: 60_000,
    requestTimeoutMs: 30_000,
    clock,
  });
}

/** An admin whose group coordinator is never reached, noting when each try starts. */
function unreachableCoordinator(clock: Clock & { t: number }) {
  const starts: number[] = [];
  const refuse = async () => {
    starts.push(clock.t);
    throw new MultipleErrors("alterConsumerGroupOffsets failed 4 times.", [
      new NetworkError("refused", { canRetry: true }),
    ]);
  };
  const library = { alterConsumerGroupOffsets: refuse, deleteConsumerGroupOffsets: refuse } as unknown as Admin;
  const admin = adminOf(library, clock);
  return { admin, starts };
}

const offsets = [{ topic: "t", partition: 0, offset: 5 }];

describe("PlatformaticAdmin's group offsets calls with a request's deadline", () => {
  test("no try starts once less than request.timeout.ms of the deadline is left", async () => {
    const clock = steppingClock();
    const { admin, starts } = unreachableCoordinator(clock);
    const deadline = new Deadline(100_000, undefined, clock);
    await expect(admin.alterGroupOffsets("g", offsets, deadline)).rejects.toThrow(
      "Failed to alter the offsets of consumer group g",
    );
    expect([starts[0], starts.at(-1), clock.t]).toEqual([0, 70_000, 70_000]);
  });

  test("a later call of the same request has what the earlier left", async () => {
    const clock = steppingClock();
    const { admin, starts } = unreachableCoordinator(clock);
    const deadline = new Deadline(90_000, undefined, clock);
    clock.t = 50_000;
    await expect(admin.deleteGroupOffsets("g", [{ topic: "t", partition: 0 }], deadline)).rejects.toThrow();
    expect([starts[0], starts.at(-1)]).toEqual([50_000, 60_000]);
  });

  test("a call with less than request.timeout.ms left is not made", async () => {
    const clock = steppingClock();
    const { admin, starts } = unreachableCoordinator(clock);
    const deadline = new Deadline(90_000, undefined, clock);
    clock.t = 60_001;
    await expect(admin.alterGroupOffsets("g", offsets, deadline)).rejects.toThrow(
      "The request's time left is less than request.timeout.ms (30000 ms): the call is not made",
    );
    expect(starts).toEqual([]);
  });

  test("without a deadline the call is made again for default.api.timeout.ms", async () => {
    const clock = steppingClock();
    const { admin, starts } = unreachableCoordinator(clock);
    await expect(admin.alterGroupOffsets("g", offsets)).rejects.toThrow();
    expect(starts.at(-1)).toBe(60_000);
  });
});

// Review ex26fix P3-1: Java's admin client makes an alter answered REBALANCE_IN_PROGRESS again.
test("an alter answered REBALANCE_IN_PROGRESS is made again; an offsets delete is not", async () => {
  const clock = steppingClock();
  const rebalancing = () =>
    new MultipleErrors("alterConsumerGroupOffsets failed 4 times.", [
      new ResponseError(8, 8, { "/topics/0/partitions/0": [27, null] }, {}),
    ]);
  const tries = { alter: 0, delete: 0 };
  const library = {
    alterConsumerGroupOffsets: async () => {
      if (++tries.alter === 1) throw rebalancing();
    },
    deleteConsumerGroupOffsets: async () => {
      tries.delete++;
      throw rebalancing();
    },
  } as unknown as Admin;
  const admin = adminOf(library, clock);
  await admin.alterGroupOffsets("g", offsets);
  await expect(admin.deleteGroupOffsets("g", [{ topic: "t", partition: 0 }])).rejects.toThrow();
  expect(tries).toEqual({ alter: 2, delete: 1 });
});

describe("PlatformaticAdmin's group offsets calls at a stop", () => {
  test("a stop gives up the try under way (one that never answers), not only the waits between tries", async () => {
    const started = Promise.withResolvers<void>();
    const never = () => {
      started.resolve();
      return new Promise<never>(() => {});
    };
    const library = { alterConsumerGroupOffsets: never } as unknown as Admin;
    const admin = adminOf(library, steppingClock());
    const stopping = new AbortController();
    const altering = admin.alterGroupOffsets("g", offsets, { signal: stopping.signal });
    await started.promise;
    stopping.abort(new Error("the gateway stops"));
    await expect(altering).rejects.toThrow("the gateway stops");
  });
});

// Review herdexec-c P3-7: with less than request.timeout.ms left (always, with request.timeout.ms >= 90 s), a read was
// never tried; Java's admin tries it, bounded by the time left.
describe("PlatformaticAdmin's group offsets read with less than request.timeout.ms of the deadline left", () => {
  /** request.timeout.ms 120 s, longer than the request's 90 s; the listing never answers. */
  function slowCoordinator(clock: ManualClock) {
    const starts: number[] = [];
    const never = () => {
      starts.push(clock.monotonic());
      return new Promise<never>(() => {});
    };
    const library = { listConsumerGroupOffsets: never, alterConsumerGroupOffsets: never } as unknown as Admin;
    const admin = new PlatformaticAdmin(library, {
      backoffMs: 100,
      backoffMaxMs: 1000,
      timeoutMs: 60_000,
      requestTimeoutMs: 120_000,
      clock,
    });
    return { admin, starts };
  }

  test("is tried, and given up when the deadline passes", async () => {
    const clock = new ManualClock();
    const { admin, starts } = slowCoordinator(clock);
    const reading = admin.groupOffsets("g", new Deadline(90_000, undefined, clock));
    expect(starts).toEqual([0]);
    await waitFor(() => clock.pending > 0);
    clock.advance(90_000);
    await expect(reading).rejects.toThrow("The call did not answer within the request's time left (90000 ms)");
    expect(starts).toEqual([0]);
  });

  test("a change is not tried (it could apply after the request's 500)", async () => {
    const clock = new ManualClock();
    const { admin, starts } = slowCoordinator(clock);
    await expect(admin.alterGroupOffsets("g", offsets, new Deadline(90_000, undefined, clock))).rejects.toThrow(
      "The request's time left is less than request.timeout.ms (120000 ms): the call is not made",
    );
    expect(starts).toEqual([]);
  });
});

// Review herdexec-c P3-4: connecting a request's admin client, tried again while Kafka is not reached.
describe("connectPlatformaticAdmin with a request's deadline", () => {
  test("a stop during its retries rejects at once and closes the client", async () => {
    const port = await closedPort();
    await using cutter = await tcpCutter(port);
    const closes = spyOn(Admin.prototype, "close");
    try {
      const stopping = new AbortController();
      const connecting = connectPlatformaticAdmin(
        { "bootstrap.servers": `127.0.0.1:${port}` },
        new Deadline(90_000, stopping.signal),
      );
      await waitFor(() => cutter.connections > 0);
      stopping.abort(new Error("the gateway stops"));
      await expect(settled(connecting)).rejects.toThrow("Failed to connect the admin client: the gateway stops");
      expect(closes).toHaveBeenCalledTimes(1);
    } finally {
      closes.mockRestore();
    }
  });

  test("a broker certificate the client does not trust is not tried again", async () => {
    await using dir = await tempDir("admin-connect-tls-");
    const { cert, key } = await selfSignedCert(dir.path, "broker", "localhost", { key: EC_KEY });
    let accepted = 0;
    const server = createTlsServer({ cert: await Bun.file(cert).text(), key: await Bun.file(key).text() });
    server.on("connection", () => accepted++);
    server.on("tlsClientError", () => {});
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const properties = { "bootstrap.servers": `127.0.0.1:${port}`, "security.protocol": "SSL" };
      /** The connections one connect makes before it is refused. */
      const connections = async (bound?: Deadline) => {
        const before = accepted;
        await expect(settled(connectPlatformaticAdmin(properties, bound))).rejects.toThrow("SSL handshake failed");
        return accepted - before;
      };
      // With a deadline, only as many as the library's one connect.
      expect(await connections(new Deadline(90_000))).toBe(await connections());
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
