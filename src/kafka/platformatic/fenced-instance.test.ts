import { expect, test } from "bun:test";
import { channel } from "node:diagnostics_channel";
import { ProtocolError } from "@platformatic/kafka";
import { watchFencing } from "./fenced-instance.ts";

const answeredWithError = channel("tracing:plt:kafka:connections:api:error");

test("the library's request channel is subscribed only while a static member is watched", () => {
  // Another test file of the same process may still watch a static member: compare with that.
  const before = answeredWithError.hasSubscribers;
  const stopA = watchFencing(1, () => {});
  const stopB = watchFencing(2, () => {});
  expect(answeredWithError.hasSubscribers).toBe(true);
  stopA();
  expect(answeredWithError.hasSubscribers).toBe(true);
  stopB();
  expect(answeredWithError.hasSubscribers).toBe(before);
  stopB(); // a second stop changes nothing
  expect(answeredWithError.hasSubscribers).toBe(before);
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
