// Sink hunt: seeded interleavings of puts, commits, revocations and re-assignments against an
// endpoint answering 500, 429 (Retry-After: 0), 422 to poison records and 200, with backpressure,
// concurrency and batch limits drawn per seed. The runtime's side is played as Connect's
// WorkerSinkTask plays it (preCommit then close on a revocation, redelivery from the committed
// offset on re-assignment). Checked: a committed offset never passes a record the endpoint did not
// accept or the task did not report, the endpoint never accepts a record of a generation its
// partition has left (close waited for it), nor one at or before a record of the same generation
// it accepted already, and only poison records are reported. (It caught a livelock in a first
// version of the flush-release fix.)
import { expect, test } from "bun:test";
import { mulberry32 } from "../../../test/support/prng.ts";
import { waitFor } from "../../../test/support/wait-for.ts";
import type { TopicPartition } from "../../api/record.ts";
import { endpoint, harness, record, yieldToEventLoop } from "./test-support.ts";

const P = 3;
const N = 150;
const tps = (ps: Iterable<number>): TopicPartition[] => [...ps].map((partition) => ({ topic: "orders", partition }));
const poison = (p: number, o: number) => (o * 7 + p) % 37 === 0;

test.each([1, 2, 3, 4, 5, 6, 7, 8])(
  "seed %p: nothing lost, nothing committed early, no stale write",
  async (seed) => {
    const rand = mulberry32(seed);
    const gen = Array<number>(P).fill(0);
    const accepted = Array.from({ length: P }, () => new Set<number>());
    const last = Array.from({ length: P }, () => ({ gen: -1, offset: -1 }));
    const problems: string[] = [];
    await using server = endpoint();
    server.answer(async (r) => {
      const values = JSON.parse(r.body) as string[];
      for (let i = Math.floor(rand() * 3); i > 0; i--) await yieldToEventLoop();
      const x = rand();
      if (x < 0.15) return new Response("busy", { status: 500 });
      if (x < 0.2) return new Response("slow down", { status: 429, headers: { "retry-after": "0" } });
      if (values.some((v) => v.endsWith(":poison"))) return new Response("bad", { status: 422 });
      for (const v of values) {
        const [p, o, g] = v.split(":").map(Number) as [number, number, number];
        if (g !== gen[p]) problems.push(`accepted ${v} after its partition moved to generation ${gen[p]}`);
        if (last[p]!.gen === g && o <= last[p]!.offset) problems.push(`accepted ${v} after offset ${last[p]!.offset}`);
        last[p] = { gen: g, offset: o };
        accepted[p]!.add(o);
      }
      return new Response("ok");
    });
    const assigned = new Set<number>([0, 1, 2]);
    const paused = new Set<number>();
    await using h = harness(
      {
        url: server.url(),
        "sink.retry.backoff.initial.ms": "1",
        "sink.retry.backoff.max.ms": "3",
        "sink.flush-buffer.timeout": String(Math.floor(rand() * 5)),
        "sink.batch.max-size": String(1 + Math.floor(rand() * 8)),
        "sink.request.batch.size": String(1 + Math.floor(rand() * 5)),
        "sink.writer.thread-pool.size": String(1 + Math.floor(rand() * 3)),
        "sink.requests.max-buffered": String(5 + Math.floor(rand() * 30)),
        "errors.tolerance": "all",
      },
      {
        context: {
          assignment: () => tps(assigned),
          pause: (ps) => {
            for (const p of ps) paused.add(p.partition);
          },
          resume: (ps) => {
            for (const p of ps) paused.delete(p.partition);
          },
        },
      },
    );
    const done = (p: number, o: number) =>
      accepted[p]!.has(o) || h.errant.some((e) => e.record.kafkaPartition === p && e.record.kafkaOffset === o);
    const position = Array<number>(P).fill(0);
    const committed = Array<number>(P).fill(0);
    const next = (p: number) => {
      const o = position[p]!++;
      return record(p, o, `${p}:${o}:${gen[p]}${poison(p, o) ? ":poison" : ""}`);
    };
    const commit = (ps: number[]) => {
      for (const r of h.task.preCommit(ps.map((p) => ({ topic: "orders", partition: p, offset: position[p]! })))) {
        for (let o = 0; o < r.offset; o++)
          if (!done(r.partition, o)) problems.push(`committed ${r.partition}@${r.offset} past ${o}`);
        committed[r.partition] = r.offset;
      }
    };
    for (let step = 0; step < 4000 && !position.every((x) => x >= N); step++) {
      const x = rand();
      if (x < 0.6) {
        const batch = [];
        for (const p of assigned) {
          if (paused.has(p)) continue;
          for (let k = Math.floor(rand() * 6); k > 0 && position[p]! < N; k--) batch.push(next(p));
        }
        await h.task.put(batch);
      } else if (x < 0.75) {
        commit([...assigned]);
      } else if (x < 0.82) {
        // Connect's closePartitions: commit (preCommit) then close; the next owner (this task, later) resumes at the commit.
        const revoked = [...assigned].filter(() => rand() < 0.5);
        commit(revoked);
        await h.task.close(tps(revoked));
        for (const p of revoked) {
          assigned.delete(p);
          position[p] = committed[p]!;
          gen[p]!++;
        }
      } else if (x < 0.9) {
        const added = [0, 1, 2].filter((p) => !assigned.has(p));
        for (const p of added) assigned.add(p);
        h.task.open(tps(added));
      }
      for (let i = Math.floor(rand() * 3); i > 0; i--) await yieldToEventLoop();
    }
    const missing = [0, 1, 2].filter((p) => !assigned.has(p));
    for (const p of missing) assigned.add(p);
    h.task.open(tps(missing));
    await waitFor(
      async () => {
        for (const p of [0, 1, 2]) {
          const batch = [];
          while (!paused.has(p) && position[p]! < N) batch.push(next(p));
          if (batch.length > 0) await h.task.put(batch);
        }
        commit([0, 1, 2]);
        return committed.every((c) => c === N);
      },
      { what: "every record committed" },
    );
    expect(problems.slice(0, 10)).toEqual([]);
    expect(h.errant.map((e) => String(e.record.value)).filter((v) => !v.endsWith(":poison"))).toEqual([]);
  },
  30_000,
);
