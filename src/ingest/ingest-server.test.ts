import { describe, expect, test } from "bun:test";
import { connect } from "node:net";
import { LogManager } from "../util/logger.ts";
import { ManualClock } from "../util/manual-clock.ts";
import { ingestApp } from "./ingest-handler.ts";
import { IngestMetrics } from "./ingest-metrics.ts";
import type { IngestApp } from "./ingest-pipeline-contract.ts";
import type { IngestSubmission, RecordOutcome } from "./ingest-record.ts";
import { bunBodyLimit, watchLargestRequestTimeout } from "./ingest-server.ts";
import { passThroughStages } from "./request-context.ts";
import { IngestRouteTable, type IngestWriter } from "./route-table.ts";
import { startedIngestServer, testSettings } from "./test-support.ts";
import { bodyDeadlineMs } from "./tls/body-deadline.ts";

/** Writes every record at once, offsets counting up. */
class InstantWriter implements IngestWriter {
  readonly pending = 0;
  private offset = 0;

  async submit(submission: IngestSubmission): Promise<RecordOutcome[]> {
    return submission.records.map(() => ({
      kind: "written",
      topic: submission.topic,
      partition: 0,
      offset: this.offset++,
      timestamp: 1,
    }));
  }

  withdrawQueued(): void {}
}

/** The ingest app, with the entry each request came in by recorded: `serve` (fetch) or `servePath` (Bun's router). */
function recordingApp(routes: IngestRouteTable): { app: IngestApp; entries: string[] } {
  const logs = new LogManager();
  const app = ingestApp({
    routes,
    metrics: new IngestMetrics(),
    clock: new ManualClock(1_700_000_000_000),
    log: logs.get("test"),
    redact: (text) => text,
  });
  const entries: string[] = [];
  return {
    entries,
    app: {
      fetch: app.fetch,
      serve: (request, server) => {
        // A bare request-target (HTTP/1.0 without Host) is no URL to parse.
        const path = request.url.startsWith("/") ? request.url : new URL(request.url).pathname;
        entries.push(`fetch ${request.method} ${path}`);
        return app.serve(request, server);
      },
      servePath: (path, request, server) => {
        entries.push(`router ${path}`);
        return app.servePath(path, request, server);
      },
    },
  };
}

async function startServer(routes: IngestRouteTable) {
  const { app, entries } = recordingApp(routes);
  const server = startedIngestServer(app, routes);
  const base = server.urls[0]!;
  return {
    entries,
    port: Number(new URL(base).port),
    status: async (method: string, path: string, body = '{"a":1}') =>
      (
        await fetch(`${base}${path}`, {
          method,
          body: method === "GET" ? null : body,
          headers: { "content-type": "application/json" },
        })
      ).status,
    [Symbol.asyncDispose]: () => server.stop(),
  };
}

/**
 * Sends `raw` (a whole HTTP request) on its own connection to a listener with route `/a` open and
 * a task attached; the answer as text once the connection closes, the records submitted, and the
 * entries the requests came in by.
 */
async function rawRequest(raw: string): Promise<{ answer: string; submitted: number; entries: string[] }> {
  const routes = new IngestRouteTable();
  await using server = await startServer(routes);
  routes.open("a", testSettings({ "ingest.path": "/a", "kafka.topic": "ta" }), passThroughStages);
  let submitted = 0;
  routes.attach("a", {
    pending: 0,
    submit: async () => {
      submitted++;
      return [];
    },
    withdrawQueued: () => undefined,
  });
  const answer = await new Promise<string>((resolve, reject) => {
    let text = "";
    const socket = connect(server.port, "127.0.0.1", () => socket.write(raw));
    socket.on("data", (chunk) => {
      text += chunk.toString();
    });
    socket.on("close", () => resolve(text));
    socket.on("error", reject);
  });
  return { answer, submitted, entries: [...server.entries] };
}

/** Route settings of a route at `path` (its topic the path's name) with the body limit `maxBodyBytes`. */
const limited = (path: string, maxBodyBytes: number) =>
  testSettings({ "ingest.path": path, "kafka.topic": path.slice(1), "ingest.max.body.bytes": `${maxBodyBytes}` });

/**
 * A device on one keep-alive connection: `post` sends a JSON record and resolves with the whole answer (its
 * head and its Content-Length body), or with "closed" when the server closed the connection instead.
 */
async function keepAliveClient(port: number) {
  const socket = connect(port, "127.0.0.1");
  await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
  let text = "";
  let wake = () => {};
  let closed = false;
  socket.on("data", (chunk) => {
    text += chunk.toString();
    wake();
  });
  socket.on("close", () => {
    closed = true;
    wake();
  });
  socket.on("error", () => undefined);
  const complete = () => {
    const end = text.indexOf("\r\n\r\n");
    if (end < 0) return undefined;
    const length = Number(/content-length: *(\d+)/i.exec(text.slice(0, end))?.[1] ?? 0);
    return text.length >= end + 4 + length ? text.slice(0, end + 4 + length) : undefined;
  };
  return {
    post: async (path: string): Promise<string> => {
      text = "";
      const body = '{"a":1}';
      socket.write(
        `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      );
      for (;;) {
        const answer = complete();
        if (answer !== undefined) return answer;
        if (closed) return "closed";
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
    },
    [Symbol.asyncDispose]: async () => {
      socket.destroy();
    },
  };
}

describe("IngestServer", () => {
  // ingestp4-b: the https body deadline follows the routes' largest ingest.request.timeout.ms down too.
  test("the https body deadline falls back when a route's timeout is lowered, and to the key when the routes are gone", () => {
    const routes = new IngestRouteTable();
    const timeout = watchLargestRequestTimeout(routes);
    const deadline = () => bodyDeadlineMs(1_000, timeout.ms());
    const seen = [deadline()];
    const open = (connector: string, ms: number) =>
      routes.open(
        connector,
        testSettings({
          "ingest.path": `/${connector}`,
          "kafka.topic": connector,
          "ingest.request.timeout.ms": `${ms}`,
        }),
        passThroughStages,
      );
    open("a", 60_000);
    open("b", 20_000);
    seen.push(deadline());
    open("a", 5_000);
    seen.push(deadline());
    routes.suspend("b");
    seen.push(deadline());
    routes.suspend("a");
    seen.push(deadline());
    timeout.stop();
    open("a", 60_000);
    expect({ seen, afterStop: timeout.ms() }).toEqual({
      seen: [1_000, 70_000, 30_000, 15_000, 1_000],
      afterStop: null,
    });
  });

  describe("when connectors' routes come and go", () => {
    test("a POST to a connector's path is matched by Bun's router from when its route opens until it is gone", async () => {
      const routes = new IngestRouteTable();
      await using server = await startServer(routes);

      expect(await server.status("POST", "/a")).toBe(404);
      routes.open("a", testSettings({ "ingest.path": "/a", "kafka.topic": "ta" }), passThroughStages);
      const writer = new InstantWriter();
      routes.attach("a", writer);
      expect(await server.status("POST", "/a")).toBe(200);
      routes.suspend("a"); // paused: the route stays, answering 503
      expect(await server.status("POST", "/a")).toBe(503);
      routes.detach("a", writer); // deleted: gone
      expect(await server.status("POST", "/a")).toBe(404);

      expect(server.entries).toEqual(["fetch POST /a", "router /a", "router /a", "fetch POST /a"]);
    });

    test.each([
      ["HTTP/1.0 without Host", "POST /a HTTP/1.0\r\n"],
      ["an empty Host", "POST /a HTTP/1.1\r\nHost:\r\n"],
      ["a Host Bun builds no URL from", "POST /a HTTP/1.1\r\nHost: x y\r\n"],
      ["a Host that is a path", "POST /a HTTP/1.1\r\nHost: /b\r\n"],
    ])(
      "a request with %s (request.url is the bare path) is not served by the router: 404 as on the fetch path",
      async (_, head) => {
        const { answer, submitted, entries } = await rawRequest(
          `${head}Connection: close\r\nContent-Type: application/json\r\nContent-Length: 7\r\n\r\n{"a":1}`,
        );
        expect(answer.split("\r\n")[0]).toBe("HTTP/1.1 404 Not Found");
        expect(submitted).toBe(0);
        expect(entries).toEqual(["router /a"]);
      },
    );

    test.each(["/abc/a", "/zz:/a", "/x/../a", "/a/", "/health"])(
      "an HTTP/1.0 request without Host for %p is 404: a prefix is not taken for a host (P2.10)",
      async (target) => {
        const { answer, submitted } = await rawRequest(
          `POST ${target} HTTP/1.0\r\nContent-Type: application/json\r\nContent-Length: 7\r\n\r\n{"a":1}`,
        );
        expect(answer.split("\r\n")[0]).toBe("HTTP/1.1 404 Not Found");
        expect(answer.slice(answer.indexOf("\r\n\r\n") + 4)).toBe('{"error_code":404,"message":"HTTP 404 Not Found"}');
        expect(submitted).toBe(0);
      },
    );

    test("other methods, a trailing slash and paths the router would read as patterns take the fetch path, answered as before", async () => {
      const routes = new IngestRouteTable();
      await using server = await startServer(routes);
      routes.open("a", testSettings({ "ingest.path": "/a/b", "kafka.topic": "ta" }), passThroughStages);
      routes.attach("a", new InstantWriter());
      routes.open("p", testSettings({ "ingest.path": "/dev:1/*", "kafka.topic": "tp" }), passThroughStages);
      routes.attach("p", new InstantWriter());

      expect(await server.status("GET", "/a/b")).toBe(405);
      expect(await server.status("PUT", "/a/b")).toBe(405);
      expect(await server.status("POST", "/a/b/")).toBe(200);
      expect(await server.status("POST", "/a/%62")).toBe(200);
      expect(await server.status("POST", "/dev:1/*")).toBe(200);
      expect(await server.status("POST", "/dev:1/x")).toBe(404);
      expect(await server.status("POST", "/a/b")).toBe(200);

      expect(server.entries).toEqual([
        "fetch GET /a/b",
        "fetch PUT /a/b",
        "fetch POST /a/b/",
        "fetch POST /a/%62",
        "fetch POST /dev:1/*",
        "fetch POST /dev:1/x",
        "router /a/b",
      ]);
    });
  });

  describe("Bun's own body limit (maxRequestBodySize, P1.3)", () => {
    const json = (size: number) => `"${"x".repeat(size - 2)}"`;

    test("is above the largest route limit (the route answers its own 413), and follows it", async () => {
      const routes = new IngestRouteTable();
      await using server = await startServer(routes);
      routes.open(
        "a",
        testSettings({ "ingest.path": "/a", "kafka.topic": "ta", "ingest.max.body.bytes": "1000" }),
        passThroughStages,
      );
      routes.attach("a", new InstantWriter());
      // Over the route's limit: the route's own 413 (JSON, read by every client), not Bun's reset.
      expect(await server.status("POST", "/a", json(5000))).toBe(413);
      expect(server.entries).toEqual(["router /a"]);
      // Over Bun's own limit: Bun answers 413 itself, the app never sees the request. The listener opened
      // before any route, with the limit of ingest.max.body.bytes' default, and a lower route keeps it.
      const overBun = json(bunBodyLimit(1_048_576) + 10);
      expect(await server.status("POST", "/a", overBun)).toBe(413);
      expect(server.entries).toEqual(["router /a"]);

      routes.open(
        "b",
        testSettings({ "ingest.path": "/b", "kafka.topic": "tb", "ingest.max.body.bytes": "2000000" }),
        passThroughStages,
      );
      routes.attach("b", new InstantWriter());
      // Bun's limit grew with the route (server.reload cannot change it: the listener was reopened).
      expect(await server.status("POST", "/b", json(5000))).toBe(200);
      expect(await server.status("POST", "/b", overBun)).toBe(413);
      expect(server.entries).toEqual(["router /a", "router /b", "router /b"]);
    });

    // auditreconf: lowering or deleting the ingest connector with the largest limit reopened the listener, resetting
    // the idle keep-alive connections of every other connector's devices (and refusing connections meanwhile).
    test.each([
      ["lowered", (routes: IngestRouteTable) => routes.open("a", limited("/a", 1000), passThroughStages)],
      ["closed", (routes: IngestRouteTable) => routes.suspend("a")],
    ])("the route with the largest limit %s keeps the other routes' keep-alive connections", async (_, change) => {
      const routes = new IngestRouteTable();
      await using server = await startServer(routes);
      routes.open("a", limited("/a", 10_000), passThroughStages);
      routes.open("b", limited("/b", 1000), passThroughStages);
      routes.attach("b", new InstantWriter());
      await using device = await keepAliveClient(server.port);
      expect(await device.post("/b")).toStartWith("HTTP/1.1 200");
      change(routes);
      expect(await device.post("/b")).toStartWith("HTTP/1.1 200");
    });

    test("a request in flight when the listener is reopened finishes on the old one", async () => {
      const routes = new IngestRouteTable();
      await using server = await startServer(routes);
      routes.open(
        "a",
        testSettings({ "ingest.path": "/a", "kafka.topic": "ta", "ingest.max.body.bytes": "1000" }),
        passThroughStages,
      );
      const gate = Promise.withResolvers<void>();
      const submitted = Promise.withResolvers<void>();
      routes.attach("a", {
        pending: 0,
        submit: async ({ records }) => {
          submitted.resolve();
          await gate.promise;
          return records.map(
            (): RecordOutcome => ({ kind: "written", topic: "ta", partition: 0, offset: 0, timestamp: 1 }),
          );
        },
        withdrawQueued: () => undefined,
      });
      const held = server.status("POST", "/a");
      await submitted.promise;
      routes.open(
        "b",
        testSettings({ "ingest.path": "/b", "kafka.topic": "tb", "ingest.max.body.bytes": "2000000" }),
        passThroughStages,
      );
      routes.attach("b", new InstantWriter());
      expect(await server.status("POST", "/b", json(5000))).toBe(200);
      gate.resolve();
      expect(await held).toBe(200);
    });
  });

  // opshunt: with ingest.listeners unset and its port taken, the connector was RUNNING while its
  // devices reached whatever held the port, and every route change logged the error with its stack.
  describe("the default listener (ingest.listeners unset), opened with the first route", () => {
    test("a port in use fails the route's opening, naming it; a reserved route logs it once; the next opening once the port is free serves", async () => {
      const holder = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
      const uri = `http://127.0.0.1:${holder.port}`;
      const routes = new IngestRouteTable();
      const lines: string[] = [];
      const server = startedIngestServer(recordingApp(routes).app, routes, {
        listeners: null,
        defaultListener: uri,
        log: new LogManager({ sink: (line) => lines.push(line) }).get("test"),
      });
      try {
        const refusal = `Cannot listen on ${uri} (ingest.listeners): port ${holder.port} is already in use by another process (EADDRINUSE)`;
        const settings = testSettings({ "ingest.path": "/a", "kafka.topic": "ta" });
        routes.reserve("a", settings);
        routes.reserve("b", testSettings({ "ingest.path": "/b", "kafka.topic": "tb" }));
        expect(() => routes.open("a", settings, passThroughStages)).toThrow(refusal);
        expect(lines.filter((l) => l.includes("Cannot listen"))).toEqual([expect.stringContaining(`ERROR ${refusal}`)]);
        expect(server.urls).toEqual([]);
        holder.stop(true);
        routes.open("a", settings, passThroughStages);
        expect(server.urls).toEqual([`${uri}`]);
      } finally {
        holder.stop(true);
        await server.stop();
      }
    });
  });
});
