/**
 * Replays recorded Connect REST steps (test/fixtures/connect-rest/scenario.ts) on a gateway of its
 * own: the recorded-answer test files that need a worker configured their way start one here.
 */
import { type Recording, replay, STEPS, type Step } from "../fixtures/connect-rest/scenario.ts";
import { startGateway } from "./gateway.ts";
import { kafkaBroker } from "./kafka.ts";
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
