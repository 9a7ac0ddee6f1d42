/**
 * An HttpSink whose endpoint refuses (400) every request holding an event `refused` picks, the
 * refused records going to a dead letter queue (`errors.tolerance=all`): for whole-gateway tests of a
 * DLQ write that fails. Events are JSON objects (schemaless JsonConverter) read from the topic's
 * start; the endpoint is a Bun server on port 0 (`using` stops it).
 */
import { expect } from "bun:test";
import type { Gateway } from "./gateway.ts";
import { uniqueTopic } from "./kafka.ts";

export interface RefusingHttpSink extends Disposable {
  /** The connector's name (its group is `connect-<name>`), unique on the shared broker. */
  readonly name: string;
  /** The `i` of every event the endpoint accepted, in the order it accepted them. */
  readonly accepted: number[];
}

export interface RefusingHttpSinkOptions {
  readonly topic: string;
  readonly dlq: string;
  /** Whether the endpoint refuses an event (and with it the request holding it). */
  readonly refused: (event: Record<string, unknown>) => boolean;
  /** More connector keys (the request mode, client overrides…). */
  readonly connector?: Record<string, string>;
}

/** Starts the endpoint and creates the sink on `gw` (the creation must answer 201). */
export async function createRefusingHttpSink(gw: Gateway, options: RefusingHttpSinkOptions): Promise<RefusingHttpSink> {
  const accepted: number[] = [];
  const endpoint = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(req) {
      // One event a request in sink.writer.request.mode=single, else an array of them.
      const events = [JSON.parse(await req.text())].flat() as Record<string, unknown>[];
      if (events.some(options.refused)) return new Response("refused", { status: 400 });
      accepted.push(...events.map((e) => Number(e.i)));
      return new Response("ok");
    },
  });
  const name = uniqueTopic("refusing-http-sink");
  const created = await gw.rest.post("/connectors", {
    name,
    config: {
      "connector.class": "HttpSink",
      topics: options.topic,
      url: `http://127.0.0.1:${endpoint.port}/events`,
      "consumer.override.auto.offset.reset": "earliest",
      "sink.flush-buffer.timeout": "20",
      "errors.tolerance": "all",
      "errors.deadletterqueue.topic.name": options.dlq,
      "value.converter": "org.apache.kafka.connect.json.JsonConverter",
      "value.converter.schemas.enable": "false",
      ...options.connector,
    },
  });
  if (created.status !== 201) endpoint.stop(true);
  expect(created.status).toBe(201);
  return { name, accepted, [Symbol.dispose]: () => endpoint.stop(true) };
}
