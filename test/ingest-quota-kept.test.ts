/**
 * A connector's quota and its 503s across its lifecycle, on the gateway (compiled binary when GATEWAY_BIN is set)
 * and the shared broker, curl and a raw socket as the devices.
 *
 * p3ingest 1: a device that used up its quota got a fresh one whenever the connector's config changed, or it was
 * paused and resumed (each builds its stages again): it is still refused, with the same Retry-After rule; a
 * connector deleted and created again starts with a fresh budget.
 * p3ingest 2: the 503 of a paused connector said "is paused or restarting", and a request in flight when the
 * connector was stopped or deleted "has no running task": each now names the connector's state.
 */
import { describe, expect, test } from "bun:test";
import { connect } from "node:net";
import { type CurlResponse, curlPost } from "./support/curl.ts";
import { createTopic, uniqueTopic } from "./support/kafka.ts";
import { suiteGateway } from "./support/suite-gateway.ts";
import { waitFor } from "./support/wait-for.ts";

const suite = suiteGateway({ "ingest.listeners": "http://127.0.0.1:0" });

async function connectorIn(name: string, state: string): Promise<boolean> {
  const status = (await suite.gw.rest.get(`/connectors/${name}/status`)).body;
  return status?.connector?.state === state && (state === "STOPPED" || status.tasks?.[0]?.state === state);
}

/** POSTs a record until the answer is not `status` (a route with no running task yet answers 503). */
async function postPast(path: string, status: number): Promise<CurlResponse> {
  return waitFor(
    async () => {
      const r = await curlPost(`${suite.ingest}${path}`, '{"t":1}', "application/json");
      return r.status === status ? undefined : r;
    },
    { what: `${path} answering other than ${status}` },
  );
}

/** The parts of a 429 that must not change: its status, Retry-After (the 10000 s of the quota's one request, less the seconds since) and message. */
function refusal(r: CurlResponse) {
  const seconds = Number(r.headers["retry-after"]);
  const retryAfter = seconds > 9000 && seconds <= 10000 ? "about 10000" : r.headers["retry-after"];
  return { status: r.status, retryAfter, message: r.json().message };
}

describe("a connector's per-identity quota", () => {
  test("survives a config change and a pause and resume; a connector deleted and created again starts afresh", async () => {
    const topic = uniqueTopic("ingest-quota-kept");
    await createTopic(topic);
    // One request per 10000 s: no refill to speak of while the test runs.
    const config = {
      "connector.class": "HttpIngestSource",
      "ingest.path": "/ingest/kept",
      "kafka.topic": topic,
      "ingest.quota.requests.per.second": "0.0001",
      "ingest.quota.requests.burst": "1",
    };
    expect((await suite.gw.rest.put("/connectors/kept/config", config)).status).toBe(201);
    await waitFor(() => connectorIn("kept", "RUNNING"), { what: "kept running" });
    // Until the quota is used up (a 503 before the task attached costs nothing).
    const exhausted = await waitFor(
      async () => {
        const r = await postPast("/ingest/kept", 503);
        return r.status === 429 ? r : undefined;
      },
      { what: "the quota used up" },
    );
    const expected = {
      status: 429,
      retryAfter: "about 10000",
      message: expect.stringMatching(
        /^Too many requests: principal ANONYMOUS's request rate quota is exhausted; retry after \d+ s$/,
      ),
    };
    expect(refusal(exhausted)).toEqual(expected);

    // A config change of an unrelated key: the new instance's tasks run with it once the connector started again.
    const changed = { ...config, "ingest.max.records": "500" };
    expect((await suite.gw.rest.put("/connectors/kept/config", changed)).status).toBe(200);
    await waitFor(
      async () =>
        (await suite.gw.rest.get("/connectors/kept/tasks")).body?.[0]?.config?.["ingest.max.records"] === "500",
      { what: "the new config's tasks" },
    );
    expect(refusal(await postPast("/ingest/kept", 503))).toEqual(expected);

    expect((await suite.gw.rest.put("/connectors/kept/pause")).status).toBe(202);
    await waitFor(() => connectorIn("kept", "PAUSED"), { what: "kept paused" });
    const paused = await curlPost(`${suite.ingest}/ingest/kept`, '{"t":1}', "application/json");
    expect({ status: paused.status, retryAfter: paused.headers["retry-after"], body: paused.json() }).toEqual({
      status: 503,
      retryAfter: "5",
      body: { error_code: 503, message: "The ingest connector kept is paused" },
    });
    expect((await suite.gw.rest.put("/connectors/kept/resume")).status).toBe(202);
    await waitFor(() => connectorIn("kept", "RUNNING"), { what: "kept resumed" });
    expect(refusal(await postPast("/ingest/kept", 503))).toEqual(expected);

    expect((await suite.gw.rest.request("DELETE", "/connectors/kept")).status).toBe(204);
    await waitFor(
      async () => (await curlPost(`${suite.ingest}/ingest/kept`, "{}", "application/json")).status === 404,
      { what: "kept's route gone" },
    );
    expect((await suite.gw.rest.put("/connectors/kept/config", config)).status).toBe(201);
    await waitFor(() => connectorIn("kept", "RUNNING"), { what: "kept created again" });
    expect((await postPast("/ingest/kept", 503)).status).toBe(200);
  }, 60_000);
});

/** Sends a request's head and the first part of its body; `finish` sends the rest and resolves with the answer. */
async function halfSent(path: string, body: string) {
  const url = new URL(suite.ingest);
  const socket = connect(Number(url.port), url.hostname);
  await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
  let received = "";
  socket.on("data", (chunk) => {
    received += chunk.toString("latin1");
  });
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  const half = Math.floor(body.length / 2);
  socket.write(
    `POST ${path} HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body.slice(0, half)}`,
  );
  return {
    async finish() {
      socket.end(body.slice(half));
      await closed;
      const split = received.indexOf("\r\n\r\n");
      const head = received.slice(0, split).split("\r\n");
      const header = (name: string) =>
        head
          .find((line) => line.toLowerCase().startsWith(`${name}:`))
          ?.slice(name.length + 1)
          .trim();
      return {
        status: Number(head[0]!.split(" ")[1]),
        retryAfter: header("retry-after"),
        body: JSON.parse(received.slice(split + 4)),
      };
    },
  };
}

/** How a connector is stopped or deleted, and the state it is in once that is done. */
const ends = {
  stopped: {
    change: (name: string) => suite.gw.rest.put(`/connectors/${name}/stop`),
    done: (name: string) => connectorIn(name, "STOPPED"),
  },
  deleted: {
    change: (name: string) => suite.gw.rest.request("DELETE", `/connectors/${name}`),
    done: async (name: string) => (await suite.gw.rest.get(`/connectors/${name}/status`)).status === 404,
  },
};

// p3ingest-b 8: one in flight when the connector was deleted was told it "has no running task".
describe("a request in flight when its connector is", () => {
  test.each(["stopped", "deleted"] as const)(
    "%s: 503 with Retry-After, naming it; then its route is gone",
    async (end) => {
      const name = `in-flight-${end}`;
      const topic = uniqueTopic(`ingest-${end}`);
      await createTopic(topic);
      const config = { "connector.class": "HttpIngestSource", "ingest.path": `/ingest/${name}`, "kafka.topic": topic };
      expect((await suite.gw.rest.put(`/connectors/${name}/config`, config)).status).toBe(201);
      await waitFor(() => connectorIn(name, "RUNNING"), { what: `${name} running` });
      expect((await postPast(`/ingest/${name}`, 503)).status).toBe(200);
      const request = await halfSent(`/ingest/${name}`, '{"reading":42}');
      // Routed (counted in flight from then on) before the change: one still arriving would find no route (404).
      await waitFor(
        async () =>
          (await (await fetch(`${suite.gw.url}/metrics`)).text()).includes(
            `ingest_requests_in_flight{route="/ingest/${name}"} 1`,
          ),
        { what: "the half-sent request in flight" },
      );
      expect((await ends[end].change(name)).status).toBe(204);
      await waitFor(() => ends[end].done(name), { what: `${name} ${end}` });
      expect(await request.finish()).toEqual({
        status: 503,
        retryAfter: "5",
        body: { error_code: 503, message: `The ingest connector ${name} is ${end}` },
      });
      expect((await curlPost(`${suite.ingest}/ingest/${name}`, "{}", "application/json")).status).toBe(404);
    },
    60_000,
  );
});
