import { expect, test } from "bun:test";
import { channel } from "node:diagnostics_channel";
import { ProtocolError } from "@platformatic/kafka";
import { watchFencing } from "./fenced-instance.ts";

const answeredWithError = channel("tracing:plt:kafka:connections:api:error");

test("the library's request channel is subscribed only while a static member is watched", () => {
  expect(answeredWithError.hasSubscribers).toBe(false);
  const stopA = watchFencing(1, () => {});
  const stopB = watchFencing(2, () => {});
  expect(answeredWithError.hasSubscribers).toBe(true);
  stopA();
  expect(answeredWithError.hasSubscribers).toBe(true);
  stopB();
  expect(answeredWithError.hasSubscribers).toBe(false);
  stopB(); // a second stop changes nothing
  expect(answeredWithError.hasSubscribers).toBe(false);
});

test("a request answered FENCED_INSTANCE_ID tells the watcher of the consumer whose connection it was", () => {
  const fenced: number[] = [];
  const stop = watchFencing(7, () => fenced.push(7));
  try {
    const error = new ProtocolError("FENCED_INSTANCE_ID");
    answeredWithError.publish({ connection: { ownerId: 8 }, error });
    answeredWithError.publish({ connection: { ownerId: 7 }, error: new ProtocolError("UNKNOWN_MEMBER_ID") });
    expect(fenced).toEqual([]);
    answeredWithError.publish({ connection: { ownerId: 7 }, error });
    expect(fenced).toEqual([7]);
  } finally {
    stop();
  }
});
