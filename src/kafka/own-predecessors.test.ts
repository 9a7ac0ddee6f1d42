import { describe, expect, test } from "bun:test";
import type { DescribedMember, PredecessorMembers } from "./kafka-port.ts";
import { fenceOwnPredecessors } from "./own-predecessors.ts";

/** Predecessors remembering `ids`, noting what is forgotten. */
function remembering(ids: string[]): PredecessorMembers & { forgotten: string[] } {
  const forgotten: string[] = [];
  return {
    forgotten,
    remembered: () => ids,
    given: () => {},
    joined: () => {},
    gone: (gone) => void forgotten.push(...gone),
  };
}

/** A group with `members`, noting the DescribeGroups asked and the members removed. */
function group(members: DescribedMember[]) {
  const events: string[] = [];
  return {
    events,
    members: async () => {
      events.push("described");
      return members;
    },
    remove: async (ids: readonly string[]) => void events.push(`removed ${ids.join(",")}`),
  };
}

// explore20 F1: a task starting removed every member with its default client id, a live member of
// another gateway running a sink connector of the same name included (Partitions lost, duplicates).
describe("fenceOwnPredecessors", () => {
  const clientId = "connector-consumer-s-0";

  test("removes only the remembered members with its client id; another gateway's member with the same id stays", async () => {
    const predecessors = remembering(["m-dead", "m-left", "m-other-client"]);
    const g = group([
      { memberId: "m-dead", clientId },
      { memberId: "m-other-gateway", clientId },
      { memberId: "m-other-client", clientId: "connector-consumer-s-1" },
    ]);
    await fenceOwnPredecessors(predecessors, clientId, g);
    expect({ events: g.events, forgotten: predecessors.forgotten }).toEqual({
      events: ["described", "removed m-dead"],
      forgotten: ["m-dead", "m-left", "m-other-client"],
    });
  });

  test("asks the group nothing when it remembers no member (a first start)", async () => {
    const predecessors = remembering([]);
    const g = group([{ memberId: "m-other-gateway", clientId }]);
    await fenceOwnPredecessors(predecessors, clientId, g);
    expect({ events: g.events, forgotten: predecessors.forgotten }).toEqual({ events: [], forgotten: [] });
  });

  test("a removal that fails forgets nothing (the next start looks again)", async () => {
    const predecessors = remembering(["m-dead"]);
    const failing = {
      members: async () => [{ memberId: "m-dead", clientId }],
      remove: async () => {
        throw new Error("refused");
      },
    };
    await expect(fenceOwnPredecessors(predecessors, clientId, failing)).rejects.toThrow("refused");
    expect(predecessors.forgotten).toEqual([]);
  });
});
