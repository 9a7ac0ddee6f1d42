/**
 * startRestServers with a listener that cannot open (opsp3 review: the listeners started before it
 * stayed open, a port held until the process exited, for a caller that catches the error).
 */
import { describe, expect, test } from "bun:test";
import { freePort } from "../../test/support/free-port.ts";
import type { Herder } from "../runtime/herder.ts";
import { LogManager } from "../util/logger.ts";
import { loadWorkerConfig } from "../worker-config.ts";
import { startRestServers } from "./server.ts";

describe("startRestServers when a later listener cannot open", () => {
  test.each([
    ["a second REST listener", (first: string, taken: string) => ({ listeners: `${first},${taken}` })],
    ["the admin listener", (first: string, taken: string) => ({ listeners: first, "admin.listeners": taken })],
  ])("%s: throws naming it, and the listener started before it is closed", (_, listeners) => {
    const holder = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    const first = freePort();
    const taken = `http://127.0.0.1:${holder.port}`;
    try {
      const config = loadWorkerConfig(listeners(`http://127.0.0.1:${first}`, taken));
      expect(() =>
        startRestServers({
          config,
          herder: {} as Herder, // never asked: no request reaches a listener
          logs: new LogManager({ sink: () => undefined }),
          root: { clusterId: async () => null },
        }),
      ).toThrow(`Cannot listen on ${taken}: port ${holder.port} is already in use by another process (EADDRINUSE)`);
      // The first listener's port is free again: this process can bind it.
      const again = Bun.listen({ hostname: "127.0.0.1", port: first, socket: { data() {} } });
      expect(again.port).toBe(first);
      again.stop(true);
    } finally {
      holder.stop(true);
    }
  });
});
