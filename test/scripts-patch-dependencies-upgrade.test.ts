/**
 * Coverage of scripts/patch-dependencies.mjs's upgrades: a node_modules patched by an earlier version of the script (a
 * patch in one of its `was` forms) is brought to the current patched text, never left failing the install
 * ("does not contain the text to patch") nor patched twice. A temporary checkout (the script and scripts/patches/, and
 * the patched files of node_modules alone) stands for a developer's; the pristine files are this checkout's installed
 * ones with every patch's `to` put back to its `from`, last patch first.
 * scripts/patches/released-forms.json records, per patch (its file and the hash of its `from`), the hash of every text
 * the patch was released in, each of them its `to` or a `was` form: a patch whose `to` changes fails here until its new
 * text is recorded, and then until its earlier text is one of its `was` forms (so does a `was` form removed). Texts
 * released under a `from` that changed since are kept only as the `was` forms of the patch now covering that spot.
 */
import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { processResult } from "./support/command.ts";
import { REPO } from "./support/kafka.ts";
import { type TempDir, tempDir } from "./support/temp-dir.ts";

interface Patch {
  file: string;
  from: string;
  to: string;
  was?: ((to: string) => string)[];
}

const script = "../scripts/patch-dependencies.mjs"; // a path tsc does not resolve: the script has no types
const { patches } = (await import(script)) as { patches: Patch[] };
const released = JSON.parse(readFileSync(join(REPO, "scripts", "patches", "released-forms.json"), "utf8")) as Record<
  string,
  Record<string, string[]>
>;

const hash = (text: string) => createHash("sha256").update(text).digest("hex").slice(0, 16);
const files = [...new Set(patches.map((p) => p.file))];
const installed = new Map(files.map((file) => [file, readFileSync(join(REPO, file), "utf8")]));

/** Each patched file as npm installs it: every patch undone, the last applied first. */
function pristine(): Map<string, string> {
  const texts = new Map(installed);
  for (const patch of patches.toReversed()) {
    const text = texts.get(patch.file)!;
    expect(text.split(patch.to).length - 1, `${patch.file}: ${patch.to.slice(0, 80)}`).toBe(1);
    texts.set(
      patch.file,
      text.replace(patch.to, () => patch.from),
    );
  }
  return texts;
}

/** A checkout with the script, its patches and `texts` as its node_modules' patched files. */
async function checkout(texts: Map<string, string>): Promise<TempDir> {
  const dir = await tempDir("patch-upgrade-");
  cpSync(join(REPO, "scripts", "patch-dependencies.mjs"), dir.file("scripts/patch-dependencies.mjs"));
  cpSync(join(REPO, "scripts", "patches"), dir.file("scripts/patches"), { recursive: true });
  for (const [file, text] of texts) {
    mkdirSync(dirname(dir.file(file)), { recursive: true });
    writeFileSync(dir.file(file), text);
  }
  return dir;
}

/** Runs the checkout's script as npm's postinstall does; what it exited with and every file it left that is not installed's. */
async function patchIn(dir: TempDir) {
  const run = await processResult(
    Bun.spawn(["node", "scripts/patch-dependencies.mjs"], { cwd: dir.path, stdout: "pipe", stderr: "pipe" }),
  );
  const differing = files.filter((file) => readFileSync(dir.file(file), "utf8") !== installed.get(file));
  return { code: run.code, err: run.err.replace(/^patch-dependencies: applied \d+ patch\(es\)\n$/, ""), differing };
}

const key = (patch: Patch): string => `${patch.file} ${hash(patch.from)}`;
const forms = patches.flatMap((patch, index) =>
  (patch.was ?? []).map(
    (form, n) => [`patch ${index} (${patch.file}) in its was form ${n}`, patch, form(patch.to)] as const,
  ),
);

describe("scripts/patch-dependencies.mjs's upgrades", () => {
  test("a pristine install is patched into the installed files", async () => {
    await using dir = await checkout(pristine());
    expect(await patchIn(dir)).toEqual({ code: 0, err: "", differing: [] });
  });

  test.each(forms)("an install with %s is upgraded to the installed files", async (_name, patch, form) => {
    expect(form).not.toBe(patch.to);
    const texts = new Map(installed);
    texts.set(
      patch.file,
      installed.get(patch.file)!.replace(patch.to, () => form),
    );
    await using dir = await checkout(texts);
    expect(await patchIn(dir)).toEqual({ code: 0, err: "", differing: [] });
  });

  test("every text a patch was released in is its `to` or one of its `was` forms (scripts/patches/released-forms.json)", () => {
    const textsOf = (p: Patch) => [p.to, ...(p.was ?? []).map((form) => form(p.to))].map(hash);
    const current = new Map(patches.map((p) => [key(p), new Set(textsOf(p))]));
    /** The patch a key names, for the messages: its index and its `from`'s first line. */
    const named = new Map(patches.map((p, i) => [key(p), `patch ${i} (${p.from.trimStart().split("\n")[0]})`]));
    const recorded = Object.entries(released).flatMap(([file, byFrom]) =>
      Object.entries(byFrom).map(([fromHash, hashes]): [string, string[]] => [`${file} ${fromHash}`, hashes]),
    );
    // A patch whose `from` changes has a new key: its recorded hashes move under it, each earlier text kept as a `was`
    // form of the patch that now covers that spot (a key no patch has fails here).
    expect(recorded.filter(([k]) => !current.has(k)).map(([k]) => k)).toEqual([]);
    const unknown = recorded.flatMap(([k, hashes]) =>
      hashes.filter((h) => !current.get(k)?.has(h)).map((h) => `${named.get(k)} ${k}: ${h} (no longer a was form)`),
    );
    expect(unknown).toEqual([]);
    // Every form is recorded too: a `was` form added without its hash could later be removed unnoticed.
    const recordedKeys = new Map(recorded);
    const unrecorded = patches.flatMap((p) =>
      textsOf(p)
        .filter((h) => !recordedKeys.get(key(p))?.includes(h))
        .map((h) => `${named.get(key(p))} ${key(p)}: ${h} (not in released-forms.json)`),
    );
    expect(unrecorded).toEqual([]);
  });
});
