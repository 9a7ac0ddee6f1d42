/**
 * A connector named with a lone UTF-16 surrogate (JSON `"\ud800"`, which Jackson and JSON.parse
 * both keep): Java writes it to Kafka and into the `Location` as `?`, and Connect keys the
 * connector by that name. Regression (found by the eighth REST hunt against Apache Connect 4.3.1):
 * such a sink ended the gateway — its consumer group id went to the broker with U+FFFD and the
 * client's lookup of the broker's answer failed with an uncaught TypeError, before the consumer
 * joined — and its `Location` held `%EF%BF%BD` where Connect's holds `%3F`.
 */
import { describe, expect, test } from "bun:test";
import { createTopic, stableSubscriptions, testClient } from "./support/kafka.ts";
import { suiteGateway } from "./support/suite-gateway.ts";
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
});
