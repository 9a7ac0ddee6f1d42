/**
 * A connector named with a lone UTF-16 surrogate (JSON `"\ud800"`, which Jackson and JSON.parse
 * both keep): Java writes it to Kafka and into the `Location` as `?`, and Connect keys the
 * connector by that name. Regression (found by the eighth REST hunt against Apache Connect 4.3.1):
 * such a sink ended the gateway — its consumer group id went to the broker with U+FFFD and the
 * client's lookup of the broker's answer failed with an uncaught TypeError, before the consumer
 * joined — and its `Location` held `%EF%BF%BD` where Connect's holds `%3F`. A connector file's connector is keyed the
 * same way (review of diffhunt8: it was keyed by U+FFFD, 404 under its `?` name and created again at every boot).
 */
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { curlPost } from "./support/curl.ts";
import { startGateway, startIngestGateway } from "./support/gateway.ts";
import {
  createTopic,
  groupMembers,
  kafkaBroker,
  produce,
  stableSubscriptions,
  testClient,
  uniqueTopic,
} from "./support/kafka.ts";
import { suiteGateway } from "./support/suite-gateway.ts";
import { tempDir } from "./support/temp-dir.ts";
import { waitFor } from "./support/wait-for.ts";

const suite = suiteGateway();

describe("a sink connector named with a lone surrogate", () => {
  test("is created with Java's Location, runs its task, and the gateway stays up", async () => {
    const run = Date.now().toString(36);
    const topic = `lone-surrogate-${run}`;
    await createTopic(topic);
    const name = `ls\\ud800-${run}`;
    const created = await fetch(`${suite.gw.url}/connectors`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: `{"name":"${name}","config":{"connector.class":"FileStreamSink","topics":"${topic}","file":"${suite.dir.file("out.txt")}"}}`,
    });
    expect(created.status).toBe(201);
    expect(created.headers.get("location")).toBe(`${suite.gw.url}/connectors/ls%3F-${run}`);
    const tasks = await waitFor(
      async () => {
        const listing = await (await fetch(`${suite.gw.url}/connectors?expand=status`)).json();
        const states = Object.values(listing as Record<string, { status: { tasks: { state: string }[] } }>).map((c) =>
          c.status.tasks.map((t) => t.state),
        );
        return states.length === 1 && states[0]!.length === 1 && states[0]![0] === "RUNNING" && states[0];
      },
      { what: "the sink's task RUNNING" },
    );
    expect(tasks).toEqual(["RUNNING"]);
    // Its consumer joined its group, which Kafka holds under the id Java would have sent.
    const admin = (await testClient()).admin();
    await admin.connect();
    try {
      const subscriptions = await waitFor(() => stableSubscriptions(admin, `connect-ls?-${run}`), {
        what: "the sink's consumer group stable",
      });
      expect(subscriptions).toEqual([[topic]]);
    } finally {
      await admin.disconnect();
    }
    // Connect keys it by that name too (its config keeps the name as sent).
    const info = (await (await fetch(`${suite.gw.url}/connectors/ls%3F-${run}`)).json()) as {
      name: string;
      config: Record<string, string>;
    };
    expect([info.name, info.config.name]).toEqual([`ls?-${run}`, `ls\ud800-${run}`]);
    expect((await fetch(`${suite.gw.url}/health`)).status).toBe(200);
  });

  // Replaced STOPPED, Connect writes the target state with the config: Worker.setTargetState ends the connector's tasks,
  // and their task configs stay (review of diffhunt9, P2-1: its task ran on and delivered "after-stop" while STOPPED;
  // hunt9 before it: the gateway stopped it as PUT …/stop does, its task configs gone).
  test("replaced by the same name again, takes the initial_state it names (STOPPED, then RUNNING)", async () => {
    const run = Date.now().toString(36);
    const topic = `lone-surrogate-state-${run}`;
    const out = suite.dir.file(`state-${run}.txt`);
    await createTopic(topic);
    const post = async (initialState: string) => {
      const config = `{"connector.class":"FileStreamSink","topics":"${topic}","file":"${out}","value.converter":"org.apache.kafka.connect.storage.StringConverter"}`;
      const answer = await fetch(`${suite.gw.url}/connectors`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: `{"name":"st\\ud800-${run}","config":${config},"initial_state":"${initialState}"}`,
      });
      expect(answer.status).toBe(201);
    };
    const statusOf = async () => {
      const status = await suite.gw.rest.get(`/connectors/st%3F-${run}/status`);
      const body = status.body as { connector: { state: string }; tasks: { state: string }[] };
      return [body.connector.state, ...body.tasks.map((t) => t.state)].join(" ");
    };
    const reach = (state: string) =>
      waitFor(async () => (await statusOf()) === state, { what: `the replaced connector ${state}` });
    const delivered = (text: string) =>
      waitFor(() => existsSync(out) && readFileSync(out, "utf8") === text, { what: `the file holding ${text}` });
    const admin = (await testClient()).admin();
    await admin.connect();
    try {
      await post("RUNNING");
      await reach("RUNNING RUNNING");
      await produce(topic, [{ value: "one" }]);
      await delivered("one\n");
      await post("STOPPED");
      // Its task's last status stays, as Connect's (the hunt9 recording); the task itself has ended: its consumer left.
      await reach("STOPPED RUNNING");
      await waitFor(async () => (await groupMembers(admin, `connect-st?-${run}`)).length === 0, {
        what: "the stopped task's consumer gone from its group",
      });
      const tasks = await suite.gw.rest.get(`/connectors/st%3F-${run}/tasks`);
      expect((tasks.body as { config: { file: string } }[]).map((t) => t.config.file)).toEqual([out]);
      await produce(topic, [{ value: "after-stop" }]);
      // No consumer of the group runs while it is STOPPED: the record waits for the replace RUNNING, delivered once
      // then. A deliberate difference: Connect shows RUNNING/[UNASSIGNED] and runs the ended task again only at its
      // worker's restart or a rebalance, which the gateway never has.
      await post("RUNNING");
      await reach("RUNNING RUNNING");
      await delivered("one\nafter-stop\n");
    } finally {
      await admin.disconnect();
    }
    expect((await suite.gw.rest.delete(`/connectors/st%3F-${run}`)).status).toBe(204);
  });
});

// Review of diffhunt9 (P2-4): its task ended as by PUT …/stop, an ingest connector replaced STOPPED answers on its path
// as a stopped one, whether the replace changed its config or not (unchanged, its task ran on behind a route answering
// 503 "is stopped"); replaced RUNNING, it takes requests again.
describe("an ingest connector named with a lone surrogate", () => {
  test("replaced STOPPED, its path answers 404 as after PUT …/stop, its config changed or not; then RUNNING, 200", async () => {
    await using dir = await tempDir();
    const { gw, ingest } = await startIngestGateway(dir);
    await using _gw = gw;
    const run = Date.now().toString(36);
    const topic = uniqueTopic("lone-surrogate-ingest");
    await createTopic(topic);
    const path = `${ingest}/ingest/ls-${run}`;
    const post = async (initialState: string, extra: Record<string, string> = {}) => {
      const config = {
        "connector.class": "HttpIngest",
        "ingest.path": `/ingest/ls-${run}`,
        "kafka.topic": topic,
        ...extra,
      };
      const answer = await fetch(`${gw.url}/connectors`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: `{"name":"in\\ud800-${run}","config":${JSON.stringify(config)},"initial_state":"${initialState}"}`,
      });
      expect(answer.status).toBe(201);
    };
    const answered = (status: number) =>
      waitFor(async () => (await curlPost(path, '{"t":1}', "application/json")).status === status, {
        what: `its path answering ${status}`,
      });
    const listed = async () => {
      const status = (await gw.rest.get(`/connectors/in%3F-${run}/status`)).body;
      const tasks = (await gw.rest.get(`/connectors/in%3F-${run}/tasks`)).body as unknown[];
      return [status.connector.state, ...status.tasks.map((t: { state: string }) => t.state), tasks.length];
    };
    await post("RUNNING");
    await answered(200);
    await post("STOPPED");
    await answered(404);
    expect(await listed()).toEqual(["STOPPED", "RUNNING", 1]);
    await post("STOPPED", { "tasks.max": "1" });
    await answered(404);
    expect(await listed()).toEqual(["STOPPED", "RUNNING", 1]);
    await post("RUNNING", { "tasks.max": "1" });
    await answered(200);
  }, 90_000);
});

describe("a connector file naming its connector with a lone surrogate", () => {
  test("keys it by the ? name, as POST /connectors does: listed and read by it, up to date at the next boot", async () => {
    const kafka = await kafkaBroker();
    await using dir = await tempDir();
    const run = Date.now().toString(36);
    const file = dir.file("f.json");
    const config = `{"connector.class":"FileStreamSource","file":"${dir.file("in.txt")}","topic":"${uniqueTopic("lone-surrogate-file")}"}`;
    writeFileSync(file, `{"name":"f\\ud800-${run}","config":${config}}`);
    const options = {
      dir: dir.path,
      worker: { "bootstrap.servers": kafka.bootstrap, "data.dir": dir.file("data") },
      args: [file],
    };
    {
      await using gw = await startGateway(options);
      await gw.waitForOutput(/Gateway started/);
      expect(gw.output()).toContain(`Created connector f?-${run}`);
      expect((await gw.rest.get("/connectors")).body).toEqual([`f?-${run}`]);
      const info = await gw.rest.get(`/connectors/f%3F-${run}`);
      expect([info.status, info.body.name, info.body.config.name]).toEqual([200, `f?-${run}`, `f\ud800-${run}`]);
    }
    await using again = await startGateway(options);
    await again.waitForOutput(/Gateway started/);
    expect(again.output()).toContain(`Connector f?-${run} is up to date`);
    expect(again.output()).not.toContain("Created connector");
    expect((await again.rest.get("/connectors")).body).toEqual([`f?-${run}`]);
  });
});
