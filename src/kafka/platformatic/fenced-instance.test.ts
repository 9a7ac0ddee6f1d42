import { expect, test } from "bun:test";
import { channel } from "node:diagnostics_channel";
import { ProtocolError, protocolAPIsByName } from "@platformatic/kafka";
import { watchFencing } from "./fenced-instance.ts";

const answeredWithError = channel("tracing:plt:kafka:connections:api:error");

// Owner ids no client has (the library numbers its clients from 0, process-wide): a watch under a
// real consumer's id would replace that consumer's watch, in another test file of the same run.
const OWNER = -1;
const OTHER_OWNER = -2;

test("the library's request channel is subscribed only while a static member is watched", () => {
  // Another test file of the same process may still watch a static member: compare with that.
  const before = answeredWithError.hasSubscribers;
  const stopA = watchFencing(OWNER, () => {});
  const stopB = watchFencing(OTHER_OWNER, () => {});
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
  const stop = watchFencing(OWNER, () => fenced.push(OWNER));
  try {
    const error = new ProtocolError("FENCED_INSTANCE_ID");
    answeredWithError.publish({ connection: { ownerId: OTHER_OWNER }, error });
    answeredWithError.publish({ connection: { ownerId: OWNER }, error: new ProtocolError("UNKNOWN_MEMBER_ID") });
    // A commit's answer may be about a member id the member has left: commit-fencing.ts decides it.
    answeredWithError.publish({ apiKey: protocolAPIsByName.OffsetCommit, connection: { ownerId: OWNER }, error });
    expect(fenced).toEqual([]);
    answeredWithError.publish({ connection: { ownerId: OWNER }, error });
    expect(fenced).toEqual([OWNER]);
  } finally {
    stop();
  }
});
