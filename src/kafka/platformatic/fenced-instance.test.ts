import { describe, expect, test } from "bun:test";
import { channel } from "node:diagnostics_channel";
import { ProtocolError, protocolAPIsByName } from "@platformatic/kafka";
import { type Generation, watchFencing } from "./fenced-instance.ts";

const sent = channel("tracing:plt:kafka:connections:api:start");
const answeredWithError = channel("tracing:plt:kafka:connections:api:error");

/** A watch recording what it was told (`fenced`, `stale`), of a member whose generation a test sets. */
function recordingWatch(generation?: Generation) {
  const told: string[] = [];
  const member = { generation };
  const watch = {
    generation: () => member.generation,
    onFenced: () => void told.push("fenced"),
    onStale: () => void told.push("stale"),
  };
  return { told, member, watch };
}

test("the library's request channel is subscribed only while a static member is watched", () => {
  // Another test file of the same process may still watch a static member: compare with that.
  const before = answeredWithError.hasSubscribers;
  const stopA = watchFencing(1, recordingWatch().watch);
  const stopB = watchFencing(2, recordingWatch().watch);
  expect(answeredWithError.hasSubscribers).toBe(true);
  stopA();
  expect(answeredWithError.hasSubscribers).toBe(true);
  stopB();
  expect(answeredWithError.hasSubscribers).toBe(before);
  stopB(); // a second stop changes nothing
  expect(answeredWithError.hasSubscribers).toBe(before);
});

test("a request answered FENCED_INSTANCE_ID tells the watcher of the consumer whose connection it was", () => {
  const { told, watch } = recordingWatch({ generationId: 3, memberId: "m1" });
  const stop = watchFencing(7, watch);
  try {
    const error = new ProtocolError("FENCED_INSTANCE_ID");
    answeredWithError.publish({ connection: { ownerId: 8 }, error });
    answeredWithError.publish({ connection: { ownerId: 7 }, error: new ProtocolError("UNKNOWN_MEMBER_ID") });
    expect(told).toEqual([]);
    answeredWithError.publish({ connection: { ownerId: 7 }, error });
    expect(told).toEqual(["fenced"]);
  } finally {
    stop();
  }
});

describe("a FENCED_INSTANCE_ID answer, as Java's generationUnchanged()", () => {
  const fencedAnswer = { connection: { ownerId: 9 }, error: new ProtocolError("FENCED_INSTANCE_ID") };

  /** Sends a request (`Heartbeat` …) under the member's generation, moves the member to `then`, answers it FENCED. */
  function answered(request: string, then: Generation): string[] {
    const { told, member, watch } = recordingWatch({ generationId: 3, memberId: "m1" });
    const stop = watchFencing(9, watch);
    try {
      const context = { ...fencedAnswer, apiKey: protocolAPIsByName[request] };
      sent.publish(context);
      member.generation = then;
      answeredWithError.publish(context);
      return told;
    } finally {
      stop();
    }
  }

  test.each(["Heartbeat", "OffsetCommit"])(
    "to the %s sent under a generation the member has left since (it rejoined): stale, not fatal",
    (request) => {
      expect(answered(request, { generationId: 4, memberId: "m1" })).toEqual(["stale"]);
      expect(answered(request, { generationId: 3, memberId: "m2" })).toEqual(["stale"]);
    },
  );

  test.each(["Heartbeat", "OffsetCommit"])("to the %s sent under the member's current generation: fatal", (request) => {
    expect(answered(request, { generationId: 3, memberId: "m1" })).toEqual(["fenced"]);
  });

  test.each(["JoinGroup", "SyncGroup"])("to the %s: fatal, whatever the generation", (request) => {
    expect(answered(request, { generationId: 4, memberId: "m2" })).toEqual(["fenced"]);
  });

  test("to a request whose sending the watch did not see: fatal", () => {
    const { told, watch } = recordingWatch({ generationId: 3, memberId: "m1" });
    const stop = watchFencing(9, watch);
    try {
      answeredWithError.publish({ ...fencedAnswer, apiKey: protocolAPIsByName.Heartbeat });
      expect(told).toEqual(["fenced"]);
    } finally {
      stop();
    }
  });
});
