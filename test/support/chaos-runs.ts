/** A seeded chaos run: its seed and how many chaos steps it takes. */
export interface ChaosRun {
  readonly seed: number;
  readonly steps: number;
}

/**
 * The runs of a chaos test: its fixed ones, or the one `CHAOS_SEED` names to replay a printed seed
 * (`CHAOS_STEPS` steps, else `steps`).
 */
export function chaosRuns(fixed: readonly ChaosRun[], steps: number): readonly ChaosRun[] {
  const seed = process.env.CHAOS_SEED;
  return seed ? [{ seed: Number(seed), steps: Number(process.env.CHAOS_STEPS ?? steps) }] : fixed;
}
