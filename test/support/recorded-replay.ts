/**
 * Replays recorded Connect REST steps (test/fixtures/connect-rest/scenario.ts) on a gateway of its
 * own: the recorded-answer test files that need a worker configured their way start one here.
 */
import { type Recording, replay, type Step } from "../fixtures/connect-rest/scenario.ts";
import { startGateway } from "./gateway.ts";
import { kafkaBroker } from "./kafka.ts";
import { tempDir } from "./temp-dir.ts";

/**
 * A gateway settles within a second: a step that never does is compared (and fails) by name before
 * the caller's timeout, and a step whose final answer its `until` does not accept costs 20 s, not the
 * 60 s that Connect's recordings allow (replay warns naming it). For every replay on a gateway.
 */
export const GATEWAY_SETTLE_MS = 20_000;

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
    const answered = await replay(
      gw.url,
      { run: `g${Date.now().toString(36)}`, dir: dir.path, settleMs: GATEWAY_SETTLE_MS },
      steps,
    );
    return new Map(answered.map((a) => [a.id, a]));
  } finally {
    await gw.stop();
  }
}
