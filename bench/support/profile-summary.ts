/**
 * Where the time goes in a V8/JSC `.cpuprofile` (as `bun --cpu-prof` writes it): self time per
 * function (name, file, line) and per file, largest first, as percentages of the sampled time.
 * `bun bench/support/profile-summary.ts <file.cpuprofile> [top=25]`.
 */
import { readFileSync } from "node:fs";

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { functionName: string; url: string; lineNumber: number };
  readonly hitCount?: number;
}
interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples?: readonly number[];
  readonly timeDeltas?: readonly number[];
}

export function summarizeProfile(profile: Profile, top = 25): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  if (profile.samples && profile.timeDeltas) {
    const { samples, timeDeltas } = profile;
    for (let i = 0; i < samples.length; i++) {
      const id = samples[i]!;
      selfUs.set(id, (selfUs.get(id) ?? 0) + (timeDeltas[i + 1] ?? 0));
    }
  } else {
    for (const n of profile.nodes) selfUs.set(n.id, n.hitCount ?? 0);
  }
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0) || 1;
  const fn = new Map<string, number>();
  const file = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)?.callFrame;
    if (!frame) continue;
    // The part of the path after the last node_modules/ (a dependency) or the repository's src/.
    const where = frame.url.replace(/^.*\/node_modules\//, "").replace(/^.*?\/(src\/)/, "$1") || "(native)";
    const name = `${frame.functionName || "(anonymous)"} ${where}:${frame.lineNumber + 1}`;
    fn.set(name, (fn.get(name) ?? 0) + us);
    file.set(where, (file.get(where) ?? 0) + us);
  }
  const rows = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, v]) => `| ${((100 * v) / total).toFixed(1)}% | \`${k}\` |`);
  return [
    `Sampled ${(total / 1000).toFixed(0)} ms.`,
    "",
    "| self | function |",
    "|--:|---|",
    ...rows(fn),
    "",
    "| self | file |",
    "|--:|---|",
    ...rows(file),
  ].join("\n");
}

if (import.meta.main) {
  const [path, top] = process.argv.slice(2);
  if (!path) throw new Error("usage: profile-summary.ts <file.cpuprofile> [top]");
  console.log(summarizeProfile(JSON.parse(readFileSync(path, "utf8")) as Profile, Number(top ?? "25")));
}
