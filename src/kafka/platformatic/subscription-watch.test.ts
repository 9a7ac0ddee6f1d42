import { describe, expect, test } from "bun:test";
import type { Consumer } from "@platformatic/kafka";
import { waitFor } from "../../../test/support/wait-for.ts";
import type { ConnectionSettings, ConsumerSettings } from "../client-config.ts";
import { metadataOf } from "./metadata-test-support.ts";
import { watchSubscription } from "./subscription-watch.ts";

// review-partfix2 P3: a fetch that found a topic deleted while a look was under way asked the watch
// to look now; that was dropped, and the look under way (which had seen the topic still there)
// tracked it again, so the member neither rejoined without it nor stopped failing on it.
describe("platformatic watchSubscription", () => {
  test("a lookNow during a look is looked at once that look ends, which does not track the topic again", async () => {
    const known: Record<string, number> = { deleted: 1, kept: 1 };
    const { consumer: fake, calls } = metadataOf(known);
    const tracked = ["deleted", "kept"];
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const metadata = fake.metadata.bind(fake);
    const steps: string[] = [];
    const consumer = Object.assign(fake, {
      // The first look's answer is held until the test releases it.
      metadata: async (...args: Parameters<typeof fake.metadata>) => {
        const answer = await metadata(...args);
        if (calls.length === 1) await held;
        return answer;
      },
      topics: {
        current: tracked,
        track: (t: string) => {
          tracked.push(t);
          steps.push(`track ${t}`);
        },
        untrack: (t: string) => {
          tracked.splice(tracked.indexOf(t), 1);
          steps.push(`untrack ${t}`);
        },
      },
    }) as unknown as Consumer<Buffer, Buffer, Buffer, Buffer>;
    let rejoins = 0;
    const watch = watchSubscription({
      topics: ["deleted", "kept"],
      consumer,
      connection: {} as ConnectionSettings,
      // No look at an interval during the test: only lookNow looks.
      settings: { metadataMaxAgeMs: 2 ** 31 - 1, allowAutoTopicCreation: false } as ConsumerSettings,
      joined: new Set(["deleted", "kept"]),
      assigned: () => undefined,
      current: () => true,
      rejoin: async () => void rejoins++,
      crash: (error) => {
        throw error;
      },
      recover: async () => false,
    });
    try {
      watch.lookNow();
      await waitFor(() => calls.length === 1, { what: "the first look asking" });
      // The topic is deleted; the fetcher untracks it and asks the watch to look now.
      delete known.deleted;
      consumer.topics.untrack("deleted");
      watch.lookNow();
      release();
      await waitFor(() => rejoins === 1, { what: "the rejoin without the deleted topic" });
      expect(steps).toEqual(["untrack deleted"]); // never tracked again
      expect(tracked).toEqual(["kept"]);
    } finally {
      watch.stop();
    }
  });
});
