/**
 * Replays recorded Connect REST steps (test/fixtures/connect-rest/scenario.ts) on a gateway of its
 * own: the recorded-answer test files that need a worker configured their way start one here.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { withoutGatewayPlugins } from "../fixtures/connect-rest/apache-only.ts";
import { type Recording, replay, STEPS, type Step } from "../fixtures/connect-rest/scenario.ts";
import { startGateway } from "./gateway.ts";
import { createTopic, kafkaBroker, REPO } from "./kafka.ts";
import { suiteGateway } from "./suite-gateway.ts";
import { tempDir } from "./temp-dir.ts";

/**
 * A gateway settles within a second (the slowest step measured: 1 s): a step that has not settled
 * after 20 s, not the 60 s that Connect's recordings allow, fails the replay (replayOnGateway).
 */
export const GATEWAY_SETTLE_MS = 20_000;

/**
 * Replays `steps` on the gateway at `base` (files under `dir`): its answers by step id. Throws naming
 * the steps whose `until` never held within GATEWAY_SETTLE_MS: on a gateway such a step is a fixture
 * bug (an `until` that does not accept a final answer), and would cost its whole wait in every run
 * (regression suitetime: three such steps cost 180 s of one shard's beforeAll hooks).
 */
export async function replayOnGateway(
  base: string,
  dir: string,
  steps: readonly Step[] = STEPS,
): Promise<Map<string, Recording>> {
  const answered = await replay(base, { run: `g${Date.now().toString(36)}`, dir, settleMs: GATEWAY_SETTLE_MS }, steps);
  const answers = new Map(answered.map((a) => [a.id, a]));
  const unsettled = steps.filter((step) => step.until && !step.until(answers.get(step.id)!)).map((step) => step.id);
  if (unsettled.length > 0) {
    throw new Error(`replay: these steps did not settle within ${GATEWAY_SETTLE_MS} ms: ${unsettled.join(", ")}`);
  }
  return answers;
}

/**
 * Starts a gateway with `worker`'s keys on the test broker, replays `steps` on it and stops it: its
 * answers by step id. After each step named in `settleAfter` (a restart whose second step runs on the
 * herder's queue, which a status read does not wait for), a `GET /health`, which does, lets it finish
 * before the next step changes a file it reads.
 */
export async function answersOfGateway(
  worker: Record<string, string>,
  recorded: readonly Step[],
  settleAfter: readonly string[] = [],
): Promise<Map<string, Recording>> {
  const steps = recorded.flatMap((step) =>
    settleAfter.includes(step.id)
      ? [step, { id: `${step.id}-settled`, request: { method: "GET", path: "/health" } }]
      : [step],
  );
  const kafka = await kafkaBroker();
  await using dir = await tempDir();
  const gw = await startGateway({
    dir: dir.path,
    worker: { "bootstrap.servers": kafka.bootstrap, "data.dir": dir.file("data"), ...worker },
  });
  try {
    return await replayOnGateway(gw.url, dir.path, steps);
  } finally {
    await gw.stop();
  }
}

/** A recorded REST hunt: its steps and the file (in test/fixtures/connect-rest) of Connect's answers to them. */
export interface RecordedHunt {
  /** What the describe block says the requests are. */
  readonly title: string;
  readonly steps: readonly Step[];
  /** `<name>-recordings.json`, written by record.sh. */
  readonly recordings: string;
  /** The suite gateway's worker keys. */
  readonly worker?: Record<string, string>;
  /** Topics the steps read that existed on the broker Connect was recorded against (a fresh one may lack them). */
  readonly topics?: readonly string[];
  readonly timeoutMs?: number;
  /** Only the steps (and recordings) whose id matches: some of a hunt again on a gateway configured otherwise. */
  readonly only?: RegExp;
}

/**
 * The test of a recorded hunt: replays its steps on a suite gateway and compares every answer with Connect's
 * (gateway-only plugins left out of plugin lists), and that every step has its recording.
 */
export function describeRecordedHunt(hunt: RecordedHunt): void {
  const chosen = (id: string) => hunt.only?.test(id) ?? true;
  const recordings = (
    JSON.parse(readFileSync(join(REPO, "test/fixtures/connect-rest", hunt.recordings), "utf8")) as Recording[]
  ).filter((r) => chosen(r.id));
  const steps = hunt.steps.filter((s) => chosen(s.id));
  const suite = suiteGateway(hunt.worker ?? {});
  let answers: Map<string, Recording>;
  beforeAll(async () => {
    for (const topic of hunt.topics ?? []) await createTopic(topic);
    answers = await replayOnGateway(suite.gw.url, suite.dir.path, steps);
  }, hunt.timeoutMs ?? 180_000);

  describe(hunt.title, () => {
    test("every step has its recording", () => {
      expect(recordings.map((r) => r.id).sort()).toEqual(steps.map((s) => s.id).sort());
    });

    test.each(recordings.map((r) => [r.id, r] as const))("%s", (id, recorded) => {
      const answer = answers.get(id)!;
      expect({ ...answer, body: withoutGatewayPlugins(answer.body) }).toEqual(recorded);
    });
  });
}
