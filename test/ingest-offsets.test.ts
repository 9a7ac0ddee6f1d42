/**
 * PATCH /connectors/{c}/offsets on a stopped HttpIngestSource connector (the compiled binary when
 * GATEWAY_BIN is set, the shared broker), explore23 F2: any partition and offset were stored and
 * listed, a non-numeric sequence silently ignored by the drain. In ingest.ack.mode=spool only the
 * offset the drain commits (its spool's partition, `{"seq": n}`) is accepted; in kafka mode, which
 * has no source offsets, none. Refusals are 500 with the connector's message, as Connect answers.
 */
import { describe, expect, test } from "bun:test";
import { createIngestConnector } from "./support/gateway.ts";
import { createTopic, readTopic, uniqueTopic } from "./support/kafka.ts";
import { suiteGateway } from "./support/suite-gateway.ts";
import { waitFor } from "./support/wait-for.ts";

describe("PATCH /connectors/{c}/offsets of an ingest connector", () => {
  const suite = suiteGateway({ "ingest.listeners": "http://127.0.0.1:0", "offset.flush.interval.ms": "200" });

  const offsetsOf = async (name: string) => (await suite.gw.rest.get(`/connectors/${name}/offsets`)).body;
  const stop = async (name: string) => {
    expect((await suite.gw.rest.put(`/connectors/${name}/stop`)).status).toBe(204);
    await waitFor(
      async () => (await suite.gw.rest.get(`/connectors/${name}/status`)).body.connector.state === "STOPPED",
    );
  };
  const patch = async (name: string, partition: unknown, offset: unknown) => {
    const r = await suite.gw.rest.patch(`/connectors/${name}/offsets`, { offsets: [{ partition, offset }] });
    return { status: r.status, message: r.body.message };
  };

  test("spool mode: only its spool's partition with a non-negative integer seq (the offset its drain commits)", async () => {
    const topic = uniqueTopic("ingest-offsets-spool");
    await createTopic(topic);
    await createIngestConnector(suite.gw, "spool-offsets", {
      "ingest.path": "/spool-offsets",
      "kafka.topic": topic,
      "ingest.ack.mode": "spool",
    });
    const posted = await fetch(`${suite.ingest}/spool-offsets`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: "[1,2]",
    });
    expect(posted.status).toBe(200);
    await readTopic(topic, 2);
    // The drain's own offset: the shape a PATCH must give.
    const committed = await waitFor(async () => {
      const offsets = (await offsetsOf("spool-offsets")).offsets;
      return offsets?.length === 1 && offsets[0].offset.seq === 2 && offsets;
    });
    expect(committed).toEqual([{ partition: { spool: "spool-offsets" }, offset: { seq: 2 } }]);
    await stop("spool-offsets");

    const partitionMessage =
      'Partition objects should contain only the key \'spool\' with the connector\'s name: {"spool":"spool-offsets"} is its only source partition';
    expect(await patch("spool-offsets", { spool: "other" }, { seq: 5 })).toEqual({
      status: 500,
      message: partitionMessage,
    });
    expect(await patch("spool-offsets", { foo: "bar" }, { x: 1 })).toEqual({ status: 500, message: partitionMessage });
    expect(await patch("spool-offsets", { spool: "spool-offsets" }, { seq: "abc" })).toEqual({
      status: 500,
      message:
        "The value for the 'seq' key in the offset is expected to be a Long value up to 9007199254740991 (a spool sequence)",
    });
    expect(await patch("spool-offsets", { spool: "spool-offsets" }, { seq: -5 })).toEqual({
      status: 500,
      message: "The value for the 'seq' key in the offset should be a non-negative value",
    });
    expect((await offsetsOf("spool-offsets")).offsets).toEqual(committed);

    expect(await patch("spool-offsets", { spool: "spool-offsets" }, { seq: 1 })).toEqual({
      status: 200,
      message: "The offsets for this connector have been altered successfully",
    });
    expect((await offsetsOf("spool-offsets")).offsets).toEqual([
      { partition: { spool: "spool-offsets" }, offset: { seq: 1 } },
    ]);
    expect((await suite.gw.rest.delete("/connectors/spool-offsets/offsets")).status).toBe(200);
    expect(await offsetsOf("spool-offsets")).toEqual({ offsets: [] });
  });

  test("kafka mode: no source offsets, so an offset of any partition is refused; a reset passes", async () => {
    await createIngestConnector(suite.gw, "kafka-offsets", {
      "ingest.path": "/kafka-offsets",
      "kafka.topic": uniqueTopic("ingest-offsets-kafka"),
    });
    await stop("kafka-offsets");
    const refusal = {
      status: 500,
      message:
        "Offsets cannot be modified when ingest.ack.mode=kafka: its records carry no source offset (an HTTP client holds its data until it is answered), only a connector in ingest.ack.mode=spool has one, its spool's",
    };
    expect(await patch("kafka-offsets", { spool: "kafka-offsets" }, { seq: 5 })).toEqual(refusal);
    expect(await patch("kafka-offsets", { foo: "bar" }, { x: 1 })).toEqual(refusal);
    expect(await offsetsOf("kafka-offsets")).toEqual({ offsets: [] });
    expect((await suite.gw.rest.delete("/connectors/kafka-offsets/offsets")).status).toBe(200);
  });

  // Review of diffhunt8: the runtime keyed by the config's `name` ("pi\ud800"), the herder by "pi?": a PATCH of
  // the config clashed with the connector itself, and a PUT (its `name` then "pi?") moved the spool partition.
  test("a connector named with a lone surrogate: its spool is keyed by its ? name, one across a PUT; PATCH of its config and offsets pass", async () => {
    const run = Date.now().toString(36);
    const name = `pi?-${run}`;
    const path = `/connectors/pi%3F-${run}`;
    const topic = uniqueTopic("ingest-offsets-lone-surrogate");
    await createTopic(topic);
    const config = {
      "connector.class": "HttpIngestSource",
      "ingest.path": `/pi-${run}`,
      "kafka.topic": topic,
      "ingest.ack.mode": "spool",
    };
    const created = await fetch(`${suite.gw.url}/connectors`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: `{"name":"pi\\ud800-${run}","config":${JSON.stringify(config)}}`,
    });
    expect(created.status).toBe(201);
    const running = () =>
      waitFor(async () => (await suite.gw.rest.get(`${path}/status`)).body.tasks?.[0]?.state === "RUNNING", {
        what: `${name} running`,
      });
    // The spool's sequence is the gateway's (the other tests' records took some): each request takes the next.
    const offsetsAfter = async (seq: number) => {
      const posted = await fetch(`${suite.ingest}/pi-${run}`, { method: "POST", body: "[1]" });
      expect(posted.status).toBe(200);
      return waitFor(
        async () => {
          const offsets = (await suite.gw.rest.get(`${path}/offsets`)).body.offsets;
          return offsets?.some((o: { offset: { seq: number } }) => o.offset.seq > seq) && offsets;
        },
        { what: `a seq past ${seq} committed` },
      );
    };
    await running();
    const first = await offsetsAfter(0);
    const seq = first[0].offset.seq;
    expect(first).toEqual([{ partition: { spool: name }, offset: { seq } }]);
    const patched = await suite.gw.rest.patch(`${path}/config`, { "ingest.poll.max.records": "100" });
    expect([patched.status, patched.body.name, patched.body.config?.name]).toEqual([200, name, `pi\ud800-${run}`]);
    await running();
    expect((await suite.gw.rest.put(`${path}/config`, config)).status).toBe(200);
    await running();
    expect(await offsetsAfter(seq)).toEqual([{ partition: { spool: name }, offset: { seq: seq + 1 } }]);
    await stop(path.slice("/connectors/".length));
    expect(await patch(path.slice("/connectors/".length), { spool: name }, { seq })).toEqual({
      status: 200,
      message: "The offsets for this connector have been altered successfully",
    });
  });
});
