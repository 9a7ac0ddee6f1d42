/**
 * The README's command blocks, for the readme-*.test.ts tests that run them as written: a fenced
 * block is found by the heading (and text) before it, split into the commands a user would type
 * (bash itself says where a command ends: `bash -n` on the lines so far), each with the answer the
 * README shows for it (`# → 200 {…}` lines after it, or a trailing `# …` comment). A command runs
 * through `bash -euo pipefail -c` with the README's own quoting; curl there reads a `.curlrc` that
 * adds the HTTP status after each answer (`CURL_HOME`), so a shown status can be checked without
 * changing the command.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseProperties } from "../../src/util/properties.ts";
import { processResult } from "./command.ts";
import { REPO } from "./kafka.ts";

/** Java properties, read as the gateway reads its worker file. */
export { parseProperties };

export interface ReadmeCommand {
  /** The command as written (after the test's substitutions), possibly several lines. */
  readonly text: string;
  /** 1-based line of the command's first line inside its block. */
  readonly line: number;
  /** The trailing comment of its last line (`curl … # RUNNING` → `RUNNING`), if any. */
  readonly comment?: string;
  /** The answer shown on the `# → …` lines after it, if any. */
  readonly shown?: string;
}

export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** The HTTP status of each curl request of the command (from the `.curlrc` write-out). */
  readonly statuses: number[];
  /** stdout without the status markers. */
  readonly output: string;
}

export function readmeText(): string {
  return readFileSync(join(REPO, "README.md"), "utf8");
}

/**
 * A fenced block (```bash, ```sh or ```properties) of the section under `heading` (a line of the
 * README, e.g. "## Device ingest"): the first one that holds or follows the first `marker` text of
 * the section (its first block without a marker), then `index` blocks further.
 */
export function readmeBlock(heading: string, options: { marker?: string; index?: number } = {}): string {
  const readme = readmeText();
  const start = readme.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`no heading "${heading}" in README.md`);
  const level = heading.split(" ")[0]!;
  const next = readme.indexOf(`\n${level} `, start + heading.length + 2);
  const section = readme.slice(start, next < 0 ? undefined : next);
  const at = options.marker === undefined ? 0 : section.indexOf(options.marker);
  if (at < 0) throw new Error(`no "${options.marker}" under "${heading}" in README.md`);
  const blocks = [...section.matchAll(/\n```(?:bash|sh|properties)\n([\s\S]*?)```/g)];
  const first = blocks.findIndex((b) => b.index! + b[0].length > at);
  const block = first < 0 ? undefined : blocks[first + (options.index ?? 0)];
  if (!block) throw new Error(`no fenced block after "${options.marker ?? heading}" under "${heading}" in README.md`);
  return block[1]!;
}

/**
 * Replaces each `[from, to]` everywhere in `text`; a `from` that does not occur is an error, so a
 * README edit can never make a test talk to a real address or path it meant to replace.
 */
export function substitute(text: string, pairs: readonly (readonly [string | RegExp, string])[]): string {
  let out = text;
  for (const [from, to] of pairs) {
    const found = typeof from === "string" ? out.includes(from) : new RegExp(from.source).test(out);
    if (!found) throw new Error(`README block no longer contains ${String(from)}:\n${out}`);
    out =
      typeof from === "string"
        ? out.replaceAll(from, to)
        : out.replace(new RegExp(from.source, from.flags.includes("g") ? from.flags : `${from.flags}g`), to);
  }
  return out;
}

async function isComplete(text: string): Promise<boolean> {
  if (/\\$/.test(text)) return false;
  const proc = Bun.spawn(["bash", "-n", "-c", text], { stdout: "ignore", stderr: "pipe" });
  const [code, err] = await Promise.all([proc.exited, new Response(proc.stderr).text()]);
  // An open here-document is only a warning for bash -n.
  return code === 0 && err === "";
}

/** The commands of a block, in order, with the answers the README shows for them. */
export async function splitCommands(block: string): Promise<ReadmeCommand[]> {
  const commands: { text: string; line: number; comment?: string; shown?: string }[] = [];
  let pending: string[] = [];
  let startLine = 0;
  const lines = block.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (pending.length === 0) {
      if (line.trim() === "") continue;
      const shown = /^\s*#\s*→\s?(.*)$/.exec(line);
      if (shown) {
        const last = commands[commands.length - 1];
        if (!last) throw new Error(`README answer before any command: ${line}`);
        last.shown = last.shown === undefined ? shown[1]! : `${last.shown}\n${shown[1]}`;
        continue;
      }
      if (/^\s*#/.test(line)) continue;
      startLine = i + 1;
    }
    pending.push(line);
    const text = pending.join("\n");
    if (!(await isComplete(text))) continue;
    const comment = /\s{2,}#\s*(.*)$/.exec(pending[pending.length - 1]!)?.[1];
    commands.push({ text, line: startLine, ...(comment === undefined ? {} : { comment }) });
    pending = [];
  }
  if (pending.length > 0) throw new Error(`unfinished command in README block:\n${pending.join("\n")}`);
  return commands;
}

/**
 * The commands of a README block (see `readmeBlock`), checked to contain each of `replaced`: the
 * texts a test substitutes when it runs them, so a README edit cannot dodge a substitution.
 */
export async function readmeCommands(
  heading: string,
  options: { marker?: string; index?: number; replaced?: readonly string[] } = {},
): Promise<ReadmeCommand[]> {
  const block = readmeBlock(heading, options);
  substitute(
    block,
    (options.replaced ?? []).map((from) => [from, ""]),
  );
  return splitCommands(block);
}

const STATUS_MARK = "\n<<http-status ";

/** Makes `dir/.curlrc` (for CURL_HOME) that appends each request's HTTP status to the answer. */
export function curlHome(dir: string): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, ".curlrc"), `write-out = "${STATUS_MARK.replace("\n", "\\n")}%{http_code}>>\\n"\n`);
  return dir;
}

/** Runs one README command through bash in `cwd`, with curl reading the `.curlrc` of `curlHome`. */
export async function runReadmeCommand(
  command: ReadmeCommand | string,
  options: { cwd: string; curlHome: string; env?: Record<string, string> },
): Promise<CommandResult> {
  const text = typeof command === "string" ? command : command.text;
  const proc = Bun.spawn(["bash", "-euo", "pipefail", "-c", text], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env, CURL_HOME: options.curlHome },
    stdout: "pipe",
    stderr: "pipe",
  });
  const { code, out: stdout, err: stderr } = await processResult(proc);
  const statuses: number[] = [];
  const output = stdout.replace(/\n<<http-status (\d+)>>\n/g, (_, status: string) => {
    statuses.push(Number(status));
    return "";
  });
  return { code, stdout, stderr, statuses, output };
}

/**
 * A pattern for an answer the README shows: the text literally, except that `…` stands for
 * anything, and the numbers of keys that change from run to run (offsets, timestamps, poll times)
 * stand for any number. Keys, their order and every other value must be as shown.
 */
export function shownAnswer(shown: string): RegExp {
  const parts = shown.split(/(…|"(?:offset|timestamp|poll_time)":\d+)/);
  const source = parts
    .map((part, i) => {
      if (i % 2 === 0) return part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      if (part === "…") return "[\\s\\S]*?";
      return `${part.slice(0, part.indexOf(":") + 1)}\\d+`;
    })
    .join("");
  return new RegExp(`^${source}$`);
}

/** The README's shown answer split into its status (`→ 200 {…}`) and body. */
export function shownStatusAndBody(shown: string): { status?: number; body: string } {
  const m = /^(\d{3}) (.*)$/s.exec(shown);
  return m ? { status: Number(m[1]), body: m[2]! } : { body: shown };
}

/** The settings of config/worker.properties, the worker file `scripts/run` uses. */
export function workerProperties(): Record<string, string> {
  return parseProperties(readFileSync(join(REPO, "config/worker.properties"), "utf8"));
}
