/**
 * The Connect REST API of the real gateway process against the real broker: every public endpoint
 * with Connect's status codes, JSON shapes (key order included) and messages, as listed in
 * shared/connect-rest-api.md section 3 (distributed behaviour where modes differ).
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createTopicsOn, produce, testClient, uniqueTopic } from "./support/kafka.ts";
import type { RestClient } from "./support/rest-client.ts";
import { suiteGateway } from "./support/suite-gateway.ts";
import { waitFor } from "./support/wait-for.ts";

const suite = suiteGateway({
  "offset.flush.interval.ms": "200",
  "key.converter": "org.apache.kafka.connect.storage.StringConverter",
  "value.converter": "org.apache.kafka.connect.storage.StringConverter",
});
let rest: RestClient;
beforeAll(() => {
  rest = suite.gw.rest;
});

function sourceConfig(_name: string, file: string, topic: string): Record<string, string> {
  return { "connector.class": "FileStreamSource", "tasks.max": "1", file, topic };
}

async function waitForState(name: string, connector: string, tasks: string[]) {
  return waitFor(
    async () => {
      const s = await rest.get(`/connectors/${name}/status`);
      if (s.status !== 200) return undefined;
      const states = s.body.tasks.map((t: { state: string }) => t.state);
      return s.body.connector.state === connector && JSON.stringify(states) === JSON.stringify(tasks)
        ? s.body
        : undefined;
    },
    { what: `${name} ${connector} with tasks ${tasks.join(",")}` },
  );
}

describe("root resource", () => {
  test("GET / reports the Connect version, a commit id and the broker's cluster id", async () => {
    const r = await rest.get("/");
    expect(r.status).toBe(200);
    expect(Object.keys(r.body)).toEqual(["version", "commit", "kafka_cluster_id"]);
    expect(r.body.kafka_cluster_id).toBe(suite.kafka.clusterId);
    expect(r.body.commit).toMatch(/^[0-9a-f]{16}$/);
    expect(r.headers.get("content-type")).toContain("application/json");
  });

  test("GET /health answers healthy", async () => {
    const r = await rest.get("/health");
    expect(r.status).toBe(200);
    expect(r.text).toBe(
      '{"status":"healthy","message":"Worker has completed startup and is ready to handle requests."}',
    );
  });
});

describe("connector lifecycle", () => {
  const name = "lifecycle-source";
  let file: string;
  let topic: string;

  beforeAll(() => {
    file = suite.dir.file("lifecycle.txt");
    topic = uniqueTopic("lifecycle");
    writeFileSync(file, "one\ntwo\n");
  });

  test("POST /connectors creates: 201, absolute Location, ConnectorInfo with tasks []", async () => {
    const r = await rest.post("/connectors", { name, config: sourceConfig(name, file, topic) });
    expect(r.status).toBe(201);
    expect(r.headers.get("location")).toBe(`${suite.gw.url}/connectors/${name}`);
    expect(r.text).toBe(
      JSON.stringify({ name, config: { ...sourceConfig(name, file, topic), name }, tasks: [], type: "source" }),
    );
  });

  // Found by scripts/diff-connect (seed 1234): Jersey's UriBuilder.path keeps `/` and `+`.
  test("the Location of a name with `+` and a space is written as Connect's UriBuilder writes it", async () => {
    const odd = "loc+a b";
    const r = await rest.post("/connectors", { name: odd, config: { ...sourceConfig(odd, file, topic) } });
    expect(r.status).toBe(201);
    expect(r.headers.get("location")).toBe(`${suite.gw.url}/connectors/loc+a%20b`);
    expect((await rest.delete(`/connectors/${encodeURIComponent(odd)}`)).status).toBe(204);
  });

  test("the connector and its task reach RUNNING", async () => {
    const s = await waitForState(name, "RUNNING", ["RUNNING"]);
    expect(s).toEqual({
      name,
      connector: { state: "RUNNING", worker_id: expect.stringMatching(/:\d+$/), version: "4.3.1" },
      tasks: [{ id: 0, state: "RUNNING", worker_id: s.connector.worker_id, version: "4.3.1" }],
      type: "source",
    });
    expect(s.connector.worker_id).toBe(`127.0.0.1:${new URL(suite.gw.url).port}`);
  });

  test("a second create of the same name is 409", async () => {
    const r = await rest.post("/connectors", { name, config: sourceConfig(name, file, topic) });
    expect(r.status).toBe(409);
    expect(r.body).toEqual({ error_code: 409, message: `Connector ${name} already exists` });
  });

  test("GET info, config, tasks and task status", async () => {
    expect((await rest.get(`/connectors/${name}`)).body).toEqual({
      name,
      config: { ...sourceConfig(name, file, topic), name },
      tasks: [{ connector: name, task: 0 }],
      type: "source",
    });
    expect((await rest.get(`/connectors/${name}/config`)).body).toEqual({ ...sourceConfig(name, file, topic), name });
    const tasks = await rest.get(`/connectors/${name}/tasks`);
    expect(tasks.body).toEqual([
      {
        id: { connector: name, task: 0 },
        // Connect 4.x: the connector's whole config, plus task.class.
        config: {
          ...sourceConfig(name, file, topic),
          name,
          "task.class": "org.apache.kafka.connect.file.FileStreamSourceTask",
        },
      },
    ]);
    const task = await rest.get(`/connectors/${name}/tasks/0/status`);
    expect(task.text).toMatch(/^\{"id":0,"state":"RUNNING","worker_id":"[^"]+","version":"4\.3\.1"\}$/);
  });

  test("GET /connectors lists names, and objects with ?expand", async () => {
    expect((await rest.get("/connectors")).body).toContain(name);
    const expanded = await rest.get("/connectors?expand=status&expand=info");
    expect(Object.keys(expanded.body[name])).toEqual(["status", "info"]);
    expect(expanded.body[name].status.connector.state).toBe("RUNNING");
    expect(expanded.body[name].info.type).toBe("source");
    expect((await rest.get("/connectors?expand=bogus")).body[name]).toEqual({});
  });

  test("records flow and source offsets are reported", async () => {
    const offsets = await waitFor(async () => {
      const r = await rest.get(`/connectors/${name}/offsets`);
      return r.body.offsets.length > 0 && r.body.offsets[0].offset.position === 8 ? r.body : undefined;
    });
    expect(offsets).toEqual({ offsets: [{ partition: { filename: file }, offset: { position: 8 } }] });
    expect((await rest.get(`/connectors/${name}/topics`)).body).toEqual({ [name]: { topics: [topic] } });
  });

  test("pause → PAUSED (connector and tasks); resume → RUNNING", async () => {
    const p = await rest.put(`/connectors/${name}/pause`);
    expect([p.status, p.text]).toEqual([202, ""]);
    await waitForState(name, "PAUSED", ["PAUSED"]);
    expect((await rest.put(`/connectors/${name}/pause`)).status).toBe(202);
    expect((await rest.put(`/connectors/${name}/resume`)).status).toBe(202);
    await waitForState(name, "RUNNING", ["RUNNING"]);
  });

  test("legacy restart is 204; restart?includeTasks=true is 202 with the RESTARTING plan", async () => {
    expect((await rest.post(`/connectors/${name}/restart`)).status).toBe(204);
    await waitForState(name, "RUNNING", ["RUNNING"]);
    const plan = await rest.post(`/connectors/${name}/restart?includeTasks=true`);
    expect(plan.status).toBe(202);
    expect(plan.body.connector.state).toBe("RESTARTING");
    expect(plan.body.tasks.map((t: { state: string }) => t.state)).toEqual(["RESTARTING"]);
    await waitForState(name, "RUNNING", ["RUNNING"]);
    const noop = await rest.post(`/connectors/${name}/restart?includeTasks=true&onlyFailed=true`);
    expect(noop.status).toBe(202);
    expect(noop.body.connector.state).toBe("RUNNING");
    expect(noop.body.tasks[0].state).toBe("RUNNING");
    expect((await rest.post(`/connectors/${name}/tasks/0/restart`)).status).toBe(204);
    await waitForState(name, "RUNNING", ["RUNNING"]);
  });

  test("offsets can only change while STOPPED", async () => {
    const running = await rest.patch(`/connectors/${name}/offsets`, {
      offsets: [{ partition: { filename: file }, offset: { position: 4 } }],
    });
    expect(running.status).toBe(400);
    expect(running.body.message).toBe(
      `Connectors must be in the STOPPED state before their offsets can be modified. This can be done for the specified connector by issuing a 'PUT' request to the '/connectors/${name}/stop' endpoint`,
    );
  });

  test("stop → 204, STOPPED with no tasks; offsets can then be altered and reset", async () => {
    const s = await rest.put(`/connectors/${name}/stop`);
    expect([s.status, s.text]).toEqual([204, ""]);
    await waitForState(name, "STOPPED", []);
    expect((await rest.get(`/connectors/${name}/tasks`)).body).toEqual([]);
    expect((await rest.get(`/connectors/${name}`)).body.tasks).toEqual([]);

    const bad = await rest.patch(`/connectors/${name}/offsets`, {
      offsets: [{ partition: { filename: file }, offset: { pos: 1 } }],
    });
    expect(bad.body).toEqual({
      error_code: 500,
      message: "Offset objects should either be null or contain the key 'position'",
    });
    const altered = await rest.patch(`/connectors/${name}/offsets`, {
      offsets: [{ partition: { filename: file }, offset: { position: 4 } }],
    });
    expect(altered.status).toBe(200);
    expect(altered.body).toEqual({ message: "The offsets for this connector have been altered successfully" });
    expect((await rest.get(`/connectors/${name}/offsets`)).body).toEqual({
      offsets: [{ partition: { filename: file }, offset: { position: 4 } }],
    });
    const reset = await rest.delete(`/connectors/${name}/offsets`);
    expect(reset.body).toEqual({ message: "The offsets for this connector have been reset successfully" });
    expect((await rest.get(`/connectors/${name}/offsets`)).body).toEqual({ offsets: [] });
  });

  // As Apache Connect 4.3.1 answers them (recorded on a real worker): ConnectorOffsets.toMap() keeps
  // the last offset per partition, a null one included; FileStreamSourceConnector.alterOffsets lets
  // a null offset pass whatever its partition; the [name, null] record Connect then writes to the
  // offsets topic shows in no read.
  test.each([
    [[{ partition: null, offset: null }], 200, "The offsets for this connector have been altered successfully"],
    [
      [
        { partition: null, offset: null },
        { partition: null, offset: null },
      ],
      200,
      "The offsets for this connector have been altered successfully",
    ],
    [
      [
        { partition: null, offset: { position: 1 } },
        { partition: null, offset: null },
      ],
      200,
      "The offsets for this connector have been altered successfully",
    ],
    [
      [
        { partition: null, offset: null },
        { partition: null, offset: { position: 1 } },
      ],
      500,
      "Partition objects cannot be null",
    ],
    [[{ partition: null, offset: { position: 1 } }], 500, "Partition objects cannot be null"],
  ])("STOPPED: a null partition in %j answers %d, and changes no offset", async (offsets, status, message) => {
    await waitForState(name, "STOPPED", []);
    const kept = { offsets: [{ partition: { filename: file }, offset: { position: 6 } }] };
    expect((await rest.patch(`/connectors/${name}/offsets`, kept)).status).toBe(200);
    const r = await rest.patch(`/connectors/${name}/offsets`, { offsets });
    expect({ status: r.status, body: r.body }).toEqual({
      status,
      body: status === 200 ? { message } : { error_code: status, message },
    });
    expect((await rest.get(`/connectors/${name}/offsets`)).body).toEqual(kept);
  });

  test("STOPPED: a null partition beside a real one: the real one is altered", async () => {
    const r = await rest.patch(`/connectors/${name}/offsets`, {
      offsets: [
        { partition: null, offset: null },
        { partition: { filename: file }, offset: { position: 2 } },
      ],
    });
    expect(r.status).toBe(200);
    expect((await rest.get(`/connectors/${name}/offsets`)).body).toEqual({
      offsets: [{ partition: { filename: file }, offset: { position: 2 } }],
    });
    expect((await rest.delete(`/connectors/${name}/offsets`)).status).toBe(200);
    expect((await rest.get(`/connectors/${name}/offsets`)).body).toEqual({ offsets: [] });
  });

  test("resume from STOPPED regenerates the tasks", async () => {
    appendFileSync(file, "three\n");
    expect((await rest.put(`/connectors/${name}/resume`)).status).toBe(202);
    await waitForState(name, "RUNNING", ["RUNNING"]);
    expect((await rest.get(`/connectors/${name}/tasks`)).body).toHaveLength(1);
  });

  test("PUT config updates (200); PATCH merges and removes keys (200)", async () => {
    const put = await rest.put(`/connectors/${name}/config`, {
      ...sourceConfig(name, file, topic),
      "batch.size": "10",
    });
    expect(put.status).toBe(200);
    expect(put.body.config["batch.size"]).toBe("10");
    const patched = await rest.patch(`/connectors/${name}/config`, { "batch.size": null, "tasks.max": "1" });
    expect(patched.status).toBe(200);
    expect(patched.body.config).toEqual({ ...sourceConfig(name, file, topic), name });
    // Task configs carry the connector's config (Connect 4.x): the removed key leaves them too.
    await waitFor(async () => {
      const task = (await rest.get(`/connectors/${name}/tasks`)).body[0];
      return task !== undefined && !("batch.size" in task.config);
    });
  });

  test("topics/reset empties the active topic set", async () => {
    // Stopped first: a running source re-adds its topic with the next record it writes, as in Connect.
    expect((await rest.put(`/connectors/${name}/stop`)).status).toBe(204);
    expect((await rest.put(`/connectors/${name}/topics/reset`)).status).toBe(202);
    expect((await rest.get(`/connectors/${name}/topics`)).body).toEqual({ [name]: { topics: [] } });
  });

  test("DELETE removes everything: 204, then 404s with Connect's messages", async () => {
    expect((await rest.delete(`/connectors/${name}`)).status).toBe(204);
    expect((await rest.get(`/connectors/${name}`)).body).toEqual({
      error_code: 404,
      message: `Connector ${name} not found`,
    });
    expect((await rest.get(`/connectors/${name}/status`)).body).toEqual({
      error_code: 404,
      message: `No status found for connector ${name}`,
    });
    expect((await rest.get(`/connectors/${name}/topics`)).body).toEqual({ [name]: { topics: [] } });
    expect((await rest.get("/connectors")).body).not.toContain(name);
  });
});

describe("creating with initial_state and PUT", () => {
  test.each([
    ["PAUSED", "PAUSED"],
    ["stopped", "STOPPED"],
  ])("initial_state %s starts the connector %s with no tasks", async (initial, state) => {
    const name = `initial-${state.toLowerCase()}`;
    const r = await rest.post("/connectors", {
      name,
      config: sourceConfig(name, suite.dir.file(`${name}.txt`), uniqueTopic("initial")),
      initial_state: initial,
    });
    expect(r.status).toBe(201);
    expect(r.body.tasks).toEqual([]);
    await waitForState(name, state, []);
    expect((await rest.delete(`/connectors/${name}`)).status).toBe(204);
  });

  test("PUT /connectors/{c}/config creates a new connector with 201", async () => {
    const name = "put-created";
    const r = await rest.put(
      `/connectors/${name}/config`,
      sourceConfig(name, suite.dir.file("put.txt"), uniqueTopic("put")),
    );
    expect(r.status).toBe(201);
    expect(r.headers.get("location")).toBe(`${suite.gw.url}/connectors/${name}`);
    expect((await rest.delete(`/connectors/${name}`)).status).toBe(204);
  });
});

describe("errors", () => {
  test.each([
    [
      "no connector.class",
      { name: "x", config: { topic: "t" } },
      400,
      "Connector config {name=x, topic=t} contains no connector type",
    ],
    [
      "name mismatch",
      { name: "x", config: { "connector.class": "FileStreamSource", name: "y" } },
      400,
      "Connector name configuration (y) doesn't match connector name in the URL (x)",
    ],
  ])("POST with %s", async (_what, body, status, message) => {
    const r = await rest.post("/connectors", body);
    expect(r.body).toEqual({ error_code: status, message });
  });

  test("an invalid config is 400 with every error, in Connect's wording", async () => {
    const r = await rest.post("/connectors", {
      name: "bad",
      config: { "connector.class": "FileStreamSource", "tasks.max": "0" },
    });
    expect(r.status).toBe(400);
    expect(r.body.message).toBe(
      "Connector configuration is invalid and contains the following 2 error(s):\n" +
        "Invalid value 0 for configuration tasks.max: Value must be at least 1\n" +
        'Missing required configuration "topic" which has no default value.\n' +
        "You can also find the above list of errors at the endpoint `/connector-plugins/{connectorType}/config/validate`",
    );
  });

  test("an unknown connector class is 400 naming the available connectors (Connect 4.1+)", async () => {
    const r = await rest.post("/connectors", { name: "nope", config: { "connector.class": "com.example.Nope" } });
    expect(r.status).toBe(400);
    expect(r.body.message).toStartWith(
      "Failed to find any class that implements Connector and which name matches com.example.Nope, available connectors are: PluginDesc{",
    );
  });

  test("numbers and booleans in configs are coerced to strings; objects are 500", async () => {
    const ok = await rest.put("/connector-plugins/FileStreamSource/config/validate", {
      "connector.class": "FileStreamSource",
      name: "n",
      topic: "t",
      "tasks.max": 2,
      "errors.log.enable": true,
    });
    expect(ok.status).toBe(200);
    expect(ok.body.error_count).toBe(0);
    const bad = await rest.put("/connector-plugins/FileStreamSource/config/validate", {
      "connector.class": "FileStreamSource",
      topic: { a: 1 },
    });
    expect(bad.status).toBe(500);
  });

  test("malformed JSON is a 500 error body, never a stack trace", async () => {
    const r = await rest.request("POST", "/connectors", "{not json", { "Content-Type": "application/json" });
    expect(r.status).toBe(500);
    expect(Object.keys(r.body)).toEqual(["error_code", "message"]);
    expect(r.body.message).not.toContain("    at ");
  });

  // Found by scripts/diff-connect (seed 1234): application/* selects the JSON resource method and
  // then finds no reader, so the 415 goes through Connect's exception mapper, JSON-typed.
  test("Content-Type application/* is a JSON-typed 415", async () => {
    const r = await rest.request("PUT", "/connectors/x/config", "{}", { "Content-Type": "application/*" });
    expect({ status: r.status, body: r.body, type: r.headers.get("content-type") }).toEqual({
      status: 415,
      body: { error_code: 415, message: "HTTP 415 Unsupported Media Type" },
      type: "application/json",
    });
  });

  test("a non-JSON Content-Type is 415", async () => {
    const r = await rest.request("POST", "/connectors", "name=x", {
      "Content-Type": "application/x-www-form-urlencoded",
    });
    expect(r.body).toEqual({ error_code: 415, message: "HTTP 415 Unsupported Media Type" });
  });

  // Found by scripts/diff-connect (seeds 7, 1234): Jersey matches the path and method before it
  // converts {task} to an int, and answers 406 when the Accept header excludes application/json.
  test("a wrong method on a task path is 405 even for a non-integer id; an id beyond int is 404", async () => {
    const types = async (method: string, path: string) => {
      const r = await rest.request(method, path);
      return { status: r.status, body: r.body };
    };
    expect(await types("PUT", "/connectors/x/tasks/x/restart")).toEqual({
      status: 405,
      body: { error_code: 405, message: "HTTP 405 Method Not Allowed" },
    });
    expect(await types("GET", "/connectors/x/tasks/x/restart")).toEqual({
      status: 405,
      body: { error_code: 405, message: "HTTP 405 Method Not Allowed" },
    });
    expect(await types("POST", "/connectors/x/tasks/2147483648/restart")).toEqual({
      status: 404,
      body: { error_code: 404, message: "HTTP 404 Not Found" },
    });
    expect(await types("GET", "/connectors/x/tasks/-2147483649/status")).toEqual({
      status: 404,
      body: { error_code: 404, message: "HTTP 404 Not Found" },
    });
  });

  test.each([["text/plain"], ["application/xml"], ["text/html, image/png"]])(
    "Accept: %s is 406 before the body is read",
    async (accept) => {
      const r = await rest.request("POST", "/connectors", "[]", { "Content-Type": "application/json", Accept: accept });
      expect({ status: r.status, body: r.body, type: r.headers.get("content-type") }).toEqual({
        status: 406,
        body: { error_code: 406, message: "HTTP 406 Not Acceptable" },
        type: null,
      });
    },
  );

  // Connect 4.3.1 serves a range with q=0 too (diff-connect, blind.ts).
  test.each([
    ["*/*"],
    ["application/*"],
    ["text/plain, application/json"],
    ["APPLICATION/JSON; charset=utf-8"],
    ["text/html, application/json;q=0"],
  ])("Accept: %s is served", async (accept) => {
    const r = await rest.request("GET", "/connectors", undefined, { Accept: accept });
    expect(r.status).toBe(200);
  });

  test("unknown routes are 404, wrong methods 405, a non-integer task id 404", async () => {
    expect((await rest.get("/nope")).body).toEqual({ error_code: 404, message: "HTTP 404 Not Found" });
    expect((await rest.delete("/connectors")).body).toEqual({
      error_code: 405,
      message: "HTTP 405 Method Not Allowed",
    });
    expect((await rest.post("/connectors/x/pause")).body).toEqual({
      error_code: 405,
      message: "HTTP 405 Method Not Allowed",
    });
    expect((await rest.get("/connectors/x/tasks/abc/status")).body).toEqual({
      error_code: 404,
      message: "HTTP 404 Not Found",
    });
  });

  test.each([
    ["GET", "/connectors/ghost", "Connector ghost not found"],
    ["GET", "/connectors/ghost/config", "Connector ghost not found"],
    ["GET", "/connectors/ghost/tasks", "Connector ghost not found"],
    ["GET", "/connectors/ghost/status", "No status found for connector ghost"],
    ["GET", "/connectors/ghost/tasks/0/status", "No status found for task ghost-0"],
    ["PUT", "/connectors/ghost/pause", "Unknown connector ghost"],
    ["PUT", "/connectors/ghost/resume", "Unknown connector ghost"],
    ["PUT", "/connectors/ghost/stop", "Unknown connector ghost"],
    ["POST", "/connectors/ghost/restart", "Unknown connector: ghost"],
    ["POST", "/connectors/ghost/restart?includeTasks=true", "Unknown connector: ghost"],
    ["POST", "/connectors/ghost/tasks/0/restart", "Unknown connector: ghost"],
    ["DELETE", "/connectors/ghost", "Connector ghost not found"],
    ["PATCH", "/connectors/ghost/config", "Connector ghost not found"],
    ["GET", "/connectors/ghost/offsets", "Connector ghost not found"],
    ["DELETE", "/connectors/ghost/offsets", "Connector ghost not found"],
    ["GET", "/connector-plugins/Ghost/config", "Unknown plugin Ghost."],
  ])("%s %s on an unknown connector is 404", async (method, path, message) => {
    const r = await rest.request(method, path, method === "PATCH" ? {} : undefined);
    expect(r.body).toEqual({ error_code: 404, message });
  });

  test("PATCH offsets with no offsets is 400 even for an unknown connector", async () => {
    const r = await rest.patch("/connectors/ghost/offsets", { offsets: [] });
    expect(r.body).toEqual({
      error_code: 400,
      message: "Partitions / offsets need to be provided for an alter offsets request",
    });
  });

  // Found by scripts/diff-connect (seed 1234): ConnectorOffsets.toMap() dereferences each element
  // before the connector is looked up, so a null one is a 500 even for a running connector.
  test("PATCH offsets with a null element is Connect's 500 before any state or existence check", async () => {
    const r = await rest.patch("/connectors/ghost/offsets", { offsets: [{ partition: {}, offset: null }, null] });
    expect({ status: r.status, body: r.body }).toEqual({
      status: 500,
      body: {
        error_code: 500,
        message: `Cannot invoke "org.apache.kafka.connect.runtime.rest.entities.ConnectorOffset.partition()" because "offset" is null`,
      },
    });
  });

  test("an unknown task of a known connector is 404 on restart", async () => {
    const name = "one-task";
    await rest.post("/connectors", { name, config: sourceConfig(name, suite.dir.file("one.txt"), uniqueTopic("one")) });
    await waitForState(name, "RUNNING", ["RUNNING"]);
    expect((await rest.post(`/connectors/${name}/tasks/7/restart`)).body).toEqual({
      error_code: 404,
      message: `Unknown task: ${name}-7`,
    });
    await rest.delete(`/connectors/${name}`);
  });

  test("OPTIONS lists the allowed methods", async () => {
    const r = await rest.request("OPTIONS", "/connectors");
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toContain("text/plain");
    expect(r.text.split(", ").sort()).toEqual(["GET", "HEAD", "OPTIONS", "POST"]);
  });
});

describe("failures", () => {
  test("a config stored with a JSON null fails the connector at start with Connect's ClassCastException (the config providers pass the null on)", async () => {
    const name = "null-topic-source";
    const file = suite.dir.file("null-topic.txt");
    writeFileSync(file, "");
    const config = { "connector.class": "FileStreamSource", "tasks.max": "1", file, topic: null };
    const created = await rest.put(`/connectors/${name}/config`, config);
    expect(created.status).toBe(201);
    const failed = await waitForState(name, "FAILED", []);
    expect(failed.connector.trace).toStartWith(
      "java.lang.ClassCastException: Non-string value found in original settings for key topic: null\n\tat ",
    );
    expect((await rest.get(`/connectors/${name}/config`)).body).toEqual({ ...config, name });
    expect((await rest.delete(`/connectors/${name}`)).status).toBe(204);
  });

  test("a failing task is FAILED with its trace; onlyFailed restarts just that task", async () => {
    // A name (so a consumer group) of its own on the shared broker, whoever else runs meanwhile.
    const name = uniqueTopic("failing-sink");
    const missingDir = suite.dir.file("not-yet");
    const created = await rest.post("/connectors", {
      name,
      config: { "connector.class": "FileStreamSink", topics: uniqueTopic("failing"), file: `${missingDir}/out.txt` },
    });
    expect(created.status).toBe(201);
    const failed = await waitForState(name, "RUNNING", ["FAILED"]);
    expect(failed.tasks[0].trace).toStartWith(
      `org.apache.kafka.connect.errors.ConnectException: Couldn't find or create file '${missingDir}/out.txt' for FileStreamSinkTask\n\tat `,
    );
    expect(failed.tasks[0].trace).toContain("Caused by: ");
    const task = await rest.get(`/connectors/${name}/tasks/0/status`);
    expect(Object.keys(task.body)).toEqual(["id", "state", "worker_id", "version", "trace"]);

    mkdirSync(missingDir);
    const plan = await rest.post(`/connectors/${name}/restart?includeTasks=true&onlyFailed=true`);
    expect(plan.status).toBe(202);
    expect(plan.body.connector.state).toBe("RUNNING");
    expect(plan.body.tasks).toEqual([
      // Connect's restart plan keeps the stored trace (recordings.json: restart-failing-plan).
      {
        id: 0,
        state: "RESTARTING",
        worker_id: failed.tasks[0].worker_id,
        version: "4.3.1",
        trace: failed.tasks[0].trace,
      },
    ]);
    const healed = await waitForState(name, "RUNNING", ["RUNNING"]);
    expect(healed.tasks[0].trace).toBeUndefined();
    expect((await rest.delete(`/connectors/${name}`)).status).toBe(204);
  });

  test("GET tasks-config is gone since Connect 4.0", async () => {
    expect((await rest.get("/connectors/any/tasks-config")).body).toEqual({
      error_code: 404,
      message: "HTTP 404 Not Found",
    });
  });
});

describe("tasks.max", () => {
  test("a sink with tasks.max=2 runs two tasks that share the topic's partitions through its group", async () => {
    // A name (so a consumer group) of its own on the shared broker, whoever else runs meanwhile.
    const name = uniqueTopic("two-tasks");
    const topic = uniqueTopic("two-tasks");
    const kafkaAdmin = (await testClient()).admin();
    await kafkaAdmin.connect();
    await createTopicsOn(kafkaAdmin, [{ topic, numPartitions: 2 }]);
    await kafkaAdmin.disconnect();
    const out = suite.dir.file("two-tasks.out");
    const created = await rest.post("/connectors", {
      name,
      config: { "connector.class": "FileStreamSink", topics: topic, file: out, "tasks.max": "2" },
    });
    expect(created.status).toBe(201);
    await waitForState(name, "RUNNING", ["RUNNING", "RUNNING"]);
    expect((await rest.get(`/connectors/${name}/tasks`)).body.map((t: any) => t.id)).toEqual([
      { connector: name, task: 0 },
      { connector: name, task: 1 },
    ]);
    const producer = (await testClient()).producer();
    await producer.connect();
    await producer.send({
      topic,
      messages: [
        { value: "p0", partition: 0 },
        { value: "p1", partition: 1 },
      ],
    });
    await producer.disconnect();
    // The test's producer is not idempotent: on a loaded machine it may retry a request the broker
    // had partly written (a loaded run got p0 twice: partition 1 refused the first Produce as its
    // broker did not lead it yet, so partition 0 held 2 records and the sink rightly wrote 3 lines).
    // So the expected lines are what each partition holds: its high watermark's count of p0 or p1.
    const admin = (await testClient()).admin();
    await admin.connect();
    const high = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)]));
    await admin.disconnect();
    expect(high.get(0)).toBeGreaterThanOrEqual(1);
    expect(high.get(1)).toBeGreaterThanOrEqual(1);
    const expected = [...Array(high.get(0)).fill("p0"), ...Array(high.get(1)).fill("p1")];
    const lines = () => (existsSync(out) ? readFileSync(out, "utf8").split("\n").filter(Boolean).sort() : []);
    await waitFor(() => lines().length >= expected.length, { what: `${expected.length} lines in the sink's file` });
    expect(lines()).toEqual(expected);
    // (The group may hold offsets of other topics from earlier runs against the same broker.)
    const ofTopic = async () =>
      (await rest.get(`/connectors/${name}/offsets`)).body.offsets.filter(
        (o: any) => o.partition.kafka_topic === topic,
      );
    const committed = async () =>
      (await ofTopic()).map((o: any) => [o.partition.kafka_partition, o.offset.kafka_offset]).sort();
    await waitFor(async () => JSON.stringify(await committed()) === JSON.stringify([...high].sort()), {
      what: "both partitions committed up to their ends",
    });
    expect((await rest.delete(`/connectors/${name}`)).status).toBe(204);
  });
});

describe("sink connector offsets (consumer group)", () => {
  test("reports, alters and resets the group's committed offsets", async () => {
    // A name (so a consumer group) of its own on the shared broker, whoever else runs meanwhile.
    const name = uniqueTopic("offsets-sink");
    const topic = uniqueTopic("sink-offsets");
    const out = suite.dir.file("sink-out.txt");
    await produce(topic, [{ value: "a" }, { value: "b" }, { value: "c" }]);
    const created = await rest.post("/connectors", {
      name,
      config: { "connector.class": "FileStreamSink", topics: topic, file: out },
    });
    expect(created.status).toBe(201);
    await waitFor(async () => {
      const r = await rest.get(`/connectors/${name}/offsets`);
      return r.body.offsets?.[0]?.offset.kafka_offset === 3 ? r : undefined;
    });
    expect((await rest.get(`/connectors/${name}/offsets`)).body).toEqual({
      offsets: [{ partition: { kafka_topic: topic, kafka_partition: 0 }, offset: { kafka_offset: 3 } }],
    });
    expect(await Bun.file(out).text()).toBe("a\nb\nc\n");
    expect((await rest.put(`/connectors/${name}/stop`)).status).toBe(204);

    const badPartition = await rest.patch(`/connectors/${name}/offsets`, {
      offsets: [{ partition: { kafka_topic: topic, kafka_partition: "x" }, offset: { kafka_offset: 1 } }],
    });
    expect(badPartition.body).toEqual({
      error_code: 400,
      message:
        "Failed to parse the following Kafka partition value in the provided offsets: 'x'. Partition values for sink connectors need to be integers.",
    });
    // A sink refuses a null partition even with a null offset (Connect 4.3.1, recorded), unlike a source.
    const nullPartition = await rest.patch(`/connectors/${name}/offsets`, {
      offsets: [{ partition: null, offset: null }],
    });
    expect(nullPartition.body).toEqual({
      error_code: 400,
      message: "The partition for a sink connector offset cannot be null or missing",
    });
    // Kafka refuses a negative offset as Connect's Worker builds the admin call: 500, logged at ERROR with the
    // cause on the Worker logger as Connect's (p3mix item 2: nothing was logged).
    const negative = await rest.patch(`/connectors/${name}/offsets`, {
      offsets: [{ partition: { kafka_topic: topic, kafka_partition: 0 }, offset: { kafka_offset: -1 } }],
    });
    expect(negative.body).toEqual({ error_code: 500, message: `Failed to modify offsets for sink connector ${name}` });
    await suite.gw.waitForOutput(
      new RegExp(`ERROR Failed to modify offsets for sink connector ${name}\\nRangeError: Invalid negative offset\\n`),
    );
    const altered = await rest.patch(`/connectors/${name}/offsets`, {
      offsets: [{ partition: { kafka_topic: topic, kafka_partition: 0 }, offset: { kafka_offset: "1" } }],
    });
    expect(altered.body).toEqual({ message: "The offsets for this connector have been altered successfully" });
    expect((await rest.get(`/connectors/${name}/offsets`)).body.offsets[0].offset).toEqual({ kafka_offset: 1 });

    // Resuming from offset 1 re-delivers b and c.
    expect((await rest.put(`/connectors/${name}/resume`)).status).toBe(202);
    await waitFor(async () => (await Bun.file(out).text()) === "a\nb\nc\nb\nc\n", { what: "redelivery from offset 1" });
    expect((await rest.put(`/connectors/${name}/stop`)).status).toBe(204);
    const reset = await rest.delete(`/connectors/${name}/offsets`);
    expect(reset.body).toEqual({ message: "The offsets for this connector have been reset successfully" });
    expect((await rest.get(`/connectors/${name}/offsets`)).body).toEqual({ offsets: [] });
    expect((await rest.delete(`/connectors/${name}`)).status).toBe(204);
  });
});

describe("connector plugins", () => {
  test("lists connectors by default, everything with connectorsOnly=false", async () => {
    const only = (await rest.get("/connector-plugins")).body as { class: string; type: string; version: string }[];
    expect(only).toContainEqual({
      class: "org.apache.kafka.connect.file.FileStreamSinkConnector",
      type: "sink",
      version: expect.any(String),
    });
    expect(only).toContainEqual({
      class: "org.apache.kafka.connect.file.FileStreamSourceConnector",
      type: "source",
      version: expect.any(String),
    });
    expect(only).toContainEqual({
      class: "io.confluent.connect.http.HttpSourceConnector",
      type: "source",
      version: expect.any(String),
    });
    expect(only).toContainEqual({
      class: "io.edgegateway.connect.http.HttpIngestSourceConnector",
      type: "source",
      version: expect.any(String),
    });
    // Connect's order: sinks, then sources, each by class name; connectors only.
    const order = (p: { class: string; type: string }) => `${p.type === "sink" ? 0 : 1} ${p.class}`;
    expect(only.map(order)).toEqual(only.map(order).sort());
    expect(only).toContainEqual({
      class: "io.edgegateway.connect.http.HttpSinkConnector",
      type: "sink",
      version: expect.any(String),
    });
    expect(new Set(only.map((p) => p.type))).toEqual(new Set(["sink", "source"]));
    const all = (await rest.get("/connector-plugins?connectorsOnly=false")).body as { class: string; type: string }[];
    const types = [...new Set(all.map((p) => p.type))];
    expect(types).toEqual(["sink", "source", "transformation", "predicate", "converter", "header_converter"]);
    expect(all).toContainEqual(
      expect.objectContaining({
        class: "org.apache.kafka.connect.transforms.InsertField$Value",
        type: "transformation",
      }),
    );
    expect(all).toContainEqual(
      expect.objectContaining({ class: "org.apache.kafka.connect.json.JsonConverter", type: "header_converter" }),
    );
  });

  test("describes a plugin's config by alias: own keys first, then the framework's", async () => {
    const r = await rest.get("/connector-plugins/FileStreamSourceConnector/config");
    expect(r.status).toBe(200);
    const names = r.body.map((k: { name: string }) => k.name);
    expect(names.slice(0, 4)).toEqual(["file", "topic", "batch.size", "name"]);
    expect(names).toContain("offsets.storage.topic");
    expect(Object.keys(r.body[0])).toEqual([
      "name",
      "type",
      "required",
      "default_value",
      "importance",
      "documentation",
      "group",
      "order_in_group",
      "width",
      "display_name",
      "dependents",
    ]);
  });

  test.each([
    [
      "org.apache.kafka.connect.transforms.InsertField$Value",
      [
        "offset.field",
        "partition.field",
        "replace.null.with.default",
        "static.field",
        "static.value",
        "timestamp.field",
        "topic.field",
      ],
    ],
    ["TopicNameMatches", ["pattern"]],
    [
      "JsonConverter",
      [
        "converter.type",
        "decimal.format",
        "replace.null.with.default",
        "schema.content",
        "schemas.cache.size",
        "schemas.enable",
      ],
    ],
  ])(
    "describes the config of %s (transforms, predicates and converters have only their own keys)",
    async (plugin, keys) => {
      const r = await rest.get(`/connector-plugins/${plugin}/config`);
      expect(r.status).toBe(200);
      expect(r.body.map((k: { name: string }) => k.name).sort()).toEqual(keys);
    },
  );

  test("validate returns ConfigInfos; a mismatched class is 400; a missing class is 500", async () => {
    const ok = await rest.put("/connector-plugins/FileStreamSink/config/validate", {
      "connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector",
      name: "v",
      topics: "t",
    });
    expect(ok.status).toBe(200);
    expect(Object.keys(ok.body)).toEqual(["name", "error_count", "groups", "configs"]);
    expect(ok.body.error_count).toBe(0);
    const mismatch = await rest.put("/connector-plugins/FileStreamSink/config/validate", {
      "connector.class": "FileStreamSource",
    });
    expect(mismatch.body).toEqual({
      error_code: 400,
      message: "Included connector type FileStreamSource does not match request type FileStreamSink",
    });
    const missing = await rest.put("/connector-plugins/FileStreamSink/config/validate", { name: "v" });
    expect(missing.body).toEqual({
      error_code: 500,
      message:
        "org.apache.kafka.connect.runtime.rest.errors.BadRequestException: Connector config {name=v} contains no connector type",
    });
  });
});

describe("admin loggers", () => {
  test("lists, reads and sets levels like Connect's LoggingResource", async () => {
    const all = await rest.get("/admin/loggers");
    expect(all.body.root).toEqual({ level: "INFO", last_modified: null });
    const set = await rest.put("/admin/loggers/org.apache.kafka.connect.runtime", { level: "debug" });
    expect(set.status).toBe(200);
    expect(set.body).toContain("org.apache.kafka.connect.runtime");
    const one = await rest.get("/admin/loggers/org.apache.kafka.connect.runtime");
    expect(one.body.level).toBe("DEBUG");
    expect(one.body.last_modified).toBeGreaterThan(0);
    expect((await rest.put("/admin/loggers/x?scope=cluster", { level: "WARN" })).status).toBe(204);
    // An unknown scope is the worker's (200 with the loggers changed) and logged, as Connect's.
    const unknownScope = await rest.put("/admin/loggers/x?scope=Everywhere", { level: "ERROR" });
    expect(unknownScope.status).toBe(200);
    expect(unknownScope.body).toEqual(["x"]);
    await suite.gw.waitForOutput(
      /WARN Received invalid scope 'Everywhere' in request to adjust logging level; will default to worker \(org\.apache\.kafka\.connect\.runtime\.rest\.resources\.LoggingResource\)/,
    );
    expect((await rest.put("/admin/loggers/x", { level: "LOUD" })).body).toEqual({
      error_code: 404,
      message: "invalid log level 'LOUD'.",
    });
    expect((await rest.put("/admin/loggers/x", {})).body).toEqual({
      error_code: 400,
      message: "Desired 'level' parameter was not specified in request.",
    });
    expect((await rest.get("/admin/loggers/never.seen")).body).toEqual({
      error_code: 404,
      message: "Logger never.seen not found.",
    });
    await rest.put("/admin/loggers/org.apache.kafka.connect.runtime", { level: "INFO" });
  });
});
