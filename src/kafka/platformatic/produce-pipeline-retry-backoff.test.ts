import { describe, expect, test } from "bun:test";
import { waitFor } from "../../../test/support/wait-for.ts";
import { ProducePipeline } from "./produce-pipeline.ts";
import { append, batch, FakeBroker, settings } from "./produce-pipeline-test-support.ts";

/** NOT_ENOUGH_REPLICAS: retried as it is, leaders not asked again. */
const NOT_ENOUGH_REPLICAS = 19;

describe("ProducePipeline when a batch is retried (retry.backoff.max.ms, KIP-580)", () => {
  test.each([
    ["the jitter's middle", 0.5, [100, 200, 400, 800, 1000, 1000]],
    ["the jitter's least (20 % shorter)", 0, [80, 160, 320, 640, 800, 800]],
  ])(
    "with %s drawn, its wait before each retry doubles from retry.backoff.ms to retry.backoff.max.ms, as Java's RecordAccumulator",
    async (_, draw, waits) => {
      const broker = new FakeBroker(2);
      let clock = 0;
      const s = settings({ retryBackoffMs: 100, retryBackoffMaxMs: 1000, random: () => draw });
      const pipeline = new ProducePipeline(broker, s, () => clock);
      const retried = append(pipeline, "t", 0, batch(0), 1);
      let label = 1;
      /** A batch of t-1 appended and written at `at` (the pipeline takes a turn then): whether t-0's went with it. */
      const turn = async (at: number): Promise<boolean> => {
        clock = at;
        const requests = broker.requests.length;
        const written = append(pipeline, "t", 1, batch(label++), 1);
        await waitFor(() => broker.requests.length > requests);
        const sent = broker.requests.slice(requests);
        for (let i = requests; i < broker.requests.length; i++) broker.deliver(i, { "t-0": NOT_ENOUGH_REPLICAS });
        await written;
        return sent.some((r) => r.batches.some((b) => b.partition === 0));
      };
      expect(await turn(0)).toBe(true); // its first attempt, answered (NOT_ENOUGH_REPLICAS) with t-1's batch
      let answered = 0;
      for (const wait of waits) {
        expect(await turn(answered + wait - 1)).toBe(false); // not sent again before its wait is over
        expect(await turn(answered + wait)).toBe(true);
        answered += wait;
      }
      pipeline.close(new Error("closed"));
      expect(await retried.catch((e: Error) => e.message)).toBe("closed");
    },
  );
});
