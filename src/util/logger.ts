/**
 * Namespaced, hierarchical loggers in log4j's model, because Connect's `/admin/loggers` API exposes
 * exactly that model: a logger's level is its own explicit level or its nearest ancestor's
 * (`a.b` is the parent of `a.b.c`), and `root` is the top. Lines look like Connect's:
 * `[2026-01-01 12:00:00,000] INFO [conn|task-0] message (org.apache.kafka.connect.runtime.Worker)`.
 *
 * Every line passes through `redact`: secrets registered with `registerSecret` (resolved config
 * provider values, passwords) are replaced by `[hidden]` before anything is written.
 */

import { javaUtf8Text } from "./java-utf8.ts";
import { secretForms, withSecretForms } from "./secret-forms.ts";
import { KEY, SecretIndex, WHOLE } from "./secret-index.ts";

/**
 * What a hidden value shows as, in log lines and wherever else a secret is masked (Connect's
 * `Password.HIDDEN`, its string form of a PASSWORD value).
 */
export const HIDDEN = "[hidden]";

export const LEVELS = ["OFF", "FATAL", "ERROR", "WARN", "INFO", "DEBUG", "TRACE", "ALL"] as const;
export type Level = (typeof LEVELS)[number];

const SEVERITY: Record<Level, number> = {
  OFF: 0,
  FATAL: 100,
  ERROR: 200,
  WARN: 300,
  INFO: 400,
  DEBUG: 500,
  TRACE: 600,
  ALL: 1000,
};

export function parseLevel(text: string): Level | undefined {
  const upper = text.trim().toUpperCase();
  return (LEVELS as readonly string[]).includes(upper) ? (upper as Level) : undefined;
}

export interface LoggerLevel {
  level: Level;
  lastModified: number | null;
}

type Sink = (line: string) => void;

/** The registry of all loggers of one process (or one test). */
export class LogManager {
  private readonly explicit = new Map<string, LoggerLevel>();
  private readonly known = new Set<string>();
  /** Secret → how many holders keep it hidden (Infinity: registered for the process's life). */
  private readonly secrets = new Map<string, number>();
  /** `secrets` indexed for `redact`; dropped when a secret is added or forgotten. */
  private index: SecretIndex | undefined;
  private sink: Sink;
  private json: boolean;

  constructor(options: { rootLevel?: Level; sink?: Sink; json?: boolean } = {}) {
    this.explicit.set("root", { level: options.rootLevel ?? "INFO", lastModified: null });
    this.sink = options.sink ?? ((line) => process.stdout.write(`${line}\n`));
    this.json = options.json ?? false;
  }

  /** `levels`: loggers' levels as configured at start (never modified through the API: no last_modified). */
  configure(options: {
    sink?: Sink;
    json?: boolean;
    rootLevel?: Level;
    levels?: readonly (readonly [string, Level])[];
  }): void {
    if (options.sink) this.sink = options.sink;
    if (options.json !== undefined) this.json = options.json;
    if (options.rootLevel) this.explicit.set("root", { level: options.rootLevel, lastModified: null });
    for (const [name, level] of options.levels ?? []) {
      if (name.toLowerCase() === "root") this.explicit.set("root", { level, lastModified: null });
      else {
        this.explicit.set(name, { level, lastModified: null });
        this.known.add(name);
      }
    }
  }

  get(name: string): Logger {
    this.known.add(name);
    return new Logger(this, name, "");
  }

  /**
   * Secrets never to be written: every occurrence in a log line becomes `[hidden]` (one under 8
   * characters only as a whole token: secret-index.ts), in each form it can be echoed in
   * (secret-forms.ts: JSON-escaped, percent-encoded, trimmed), here and in `holdSecrets`.
   */
  registerSecret(secret: string): void {
    for (const form of secretForms(secret, KEY)) {
      if (!this.secrets.has(form)) this.index = undefined;
      this.secrets.set(form, Number.POSITIVE_INFINITY);
    }
  }

  /**
   * Hides `secrets` until the returned release is called (once; later calls do nothing): a
   * connector's secrets while it exists, a validated config's while it is validated. A secret is
   * forgotten when its last holder releases it, so replaced and deleted configs do not pile up.
   */
  holdSecrets(secrets: Iterable<string>): () => void {
    const held = withSecretForms(secrets, KEY);
    for (const s of held) {
      if (!this.secrets.has(s)) this.index = undefined;
      this.secrets.set(s, (this.secrets.get(s) ?? 0) + 1);
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (const s of held) {
        const left = (this.secrets.get(s) ?? 1) - 1;
        if (left > 0) this.secrets.set(s, left);
        else if (this.secrets.delete(s)) this.index = undefined;
      }
    };
  }

  /** How many distinct secrets are hidden now. */
  get secretCount(): number {
    return this.secrets.size;
  }

  /**
   * `text` with every stretch a secret covers shown as `[hidden]`: found in the text as given, then
   * overlapping stretches joined, so a secret inside another (a provider's `orders` in a password
   * `orders-api-…`) or overlapping it hides the whole of both. Replacing one secret after another
   * left the rest of a longer one in clear once a shorter one held earlier had cut it. One pass over
   * the text however many secrets are held (secret-index.ts), rebuilt when the secrets change.
   */
  redact(text: string): string {
    this.index ??= new SecretIndex(this.secrets.keys(), HIDDEN, WHOLE);
    return this.index.redact(text);
  }

  effectiveLevel(name: string): Level {
    for (let current = name; ; ) {
      const own = this.explicit.get(current);
      if (own) return own.level;
      const dot = current.lastIndexOf(".");
      if (dot < 0) return this.explicit.get("root")!.level;
      current = current.slice(0, dot);
    }
  }

  enabled(name: string, level: Level): boolean {
    return SEVERITY[level] <= SEVERITY[this.effectiveLevel(name)];
  }

  /**
   * Every logger this process knows (made by `get`, or given a level) with its own or inherited
   * level, sorted by name (Connect's TreeMap); as Connect 4.3.1's Log4jLoggers.allLevels, loggers at
   * OFF are left out.
   */
  allLevels(): [string, LoggerLevel][] {
    const out: [string, LoggerLevel][] = [];
    for (const name of new Set([...this.explicit.keys(), ...this.known])) {
      const level = this.explicit.get(name) ?? { level: this.effectiveLevel(name), lastModified: null };
      if (level.level !== "OFF") out.push([name, level]);
    }
    return out.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /** The explicit or inherited level of a logger this process knows, else undefined. */
  level(name: string): LoggerLevel | undefined {
    if (name.toLowerCase() === "root") return this.explicit.get("root");
    const own = this.explicit.get(name);
    if (own) return own;
    if (!this.known.has(name)) return undefined;
    return { level: this.effectiveLevel(name), lastModified: null };
  }

  /**
   * Sets `namespace` (created if absent) and every known logger whose name starts with it; `root`
   * sets every logger. Returns, sorted, the names whose level changed (their own or inherited level
   * before, as Connect 4.3.1's Log4jLoggers.setLevel: setting a level a logger already has answers
   * `[]`); `lastModified` moves only for those. A logger at OFF always counts as changed, as in
   * Connect, whose "level before" comes from allLevels, which leaves loggers at OFF out.
   */
  setLevel(namespace: string, level: Level, now = Date.now()): string[] {
    const isRoot = namespace.toLowerCase() === "root";
    const names = new Set<string>();
    if (isRoot) {
      names.add("root");
      for (const n of this.known) names.add(n);
      for (const n of this.explicit.keys()) names.add(n);
    } else {
      names.add(namespace);
      // A plain prefix, as Connect's; the root logger's log4j2 name is "", never under a namespace.
      for (const n of [...this.known, ...this.explicit.keys()])
        if (n !== "root" && n.startsWith(namespace)) names.add(n);
    }
    const before = [...names].map((n) => [n, this.explicit.get(n)?.level ?? this.effectiveLevel(n)] as const);
    const changed: string[] = [];
    for (const [n, was] of before) {
      if (was === "OFF" || was !== level) {
        this.explicit.set(n, { level, lastModified: now });
        changed.push(n);
      } else if (!this.explicit.has(n)) this.explicit.set(n, { level, lastModified: null });
    }
    this.known.add(isRoot ? "root" : namespace);
    return changed.sort();
  }

  write(name: string, level: Level, context: string, message: string, error?: unknown): void {
    if (!this.enabled(name, level)) return;
    let text = message;
    if (error !== undefined) text += `\n${errorDetail(error)}`;
    text = this.redact(text);
    const now = new Date();
    if (this.json) {
      this.sink(
        JSON.stringify({ time: now.toISOString(), level, logger: name, context: context.trim(), message: text }),
      );
      return;
    }
    // Java's log encoder writes a lone surrogate as `?`; a JSON line escapes it (`\ud83d`) instead.
    this.sink(javaUtf8Text(`[${formatTimestamp(now)}] ${level} ${context}${text} (${name})`));
  }
}

/**
 * An error as Java's printStackTrace shows it: its stack, then `Caused by: …` for each cause, so a
 * wrapped failure keeps its reason in the log ("Could not initialize dead letter queue" says why).
 * The errors an AggregateError gathers (a Kafka client's per-request errors) follow as
 * `Suppressed: <name>: <message>` lines, without their stacks.
 */
function errorDetail(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 8; depth++) {
    const detail =
      current instanceof Error ? (current.stack ?? `${current.name}: ${current.message}`) : String(current);
    parts.push(depth === 0 ? detail : `Caused by: ${detail}`);
    parts.push(...suppressed(current, "\t", { left: 16 }));
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join("\n");
}

/**
 * The `Suppressed:` lines of the errors `error` gathers, at most `budget.left` of them. A run of
 * alike ones (the same lines, theirs included) is written once, saying how many more there were: a
 * client's retries of an unreachable broker gather the same failure over and over (explore27: 16 of
 * a commit's trace's 37 lines, at every commit interval of a sink task while the broker was down).
 */
function suppressed(error: unknown, indent: string, budget: { left: number }): string[] {
  const inner = error instanceof Error ? (error as { errors?: unknown }).errors : undefined;
  if (!Array.isArray(inner) || indent.length > 4) return [];
  const out: string[] = [];
  let run: string[] = [];
  let alike = 0;
  const endRun = () => {
    if (alike > 0) run[0] += ` (and ${alike} more like it)`;
    out.push(...run);
  };
  for (const e of inner) {
    if (budget.left <= 0) break;
    const lines = [
      `${indent}Suppressed: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`,
      ...suppressed(e, `${indent}\t`, { left: budget.left - 1 }),
    ];
    if (lines.length === run.length && lines.every((line, i) => line === run[i])) {
      alike++;
      continue;
    }
    endRun();
    budget.left -= lines.length;
    run = lines;
    alike = 0;
  }
  endRun();
  return out;
}

function formatTimestamp(d: Date): string {
  const pad = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())},${pad(d.getMilliseconds(), 3)}`;
}

export class Logger {
  constructor(
    private readonly manager: LogManager,
    readonly name: string,
    private readonly context: string,
  ) {}

  /** A logger that prefixes every line, e.g. `[my-connector|task-0] `. */
  withContext(context: string): Logger {
    return new Logger(this.manager, this.name, `${context} `);
  }

  /** The logger called `name` (registered like `LogManager.get`), keeping this one's context. */
  named(name: string): Logger {
    return new Logger(this.manager, this.manager.get(name).name, this.context);
  }

  isEnabled(level: Level): boolean {
    return this.manager.enabled(this.name, level);
  }

  error(message: string, error?: unknown): void {
    this.manager.write(this.name, "ERROR", this.context, message, error);
  }
  warn(message: string, error?: unknown): void {
    this.manager.write(this.name, "WARN", this.context, message, error);
  }
  info(message: string): void {
    this.manager.write(this.name, "INFO", this.context, message);
  }
  debug(message: string): void {
    this.manager.write(this.name, "DEBUG", this.context, message);
  }
  trace(message: string): void {
    this.manager.write(this.name, "TRACE", this.context, message);
  }
}

/** The process-wide log manager. Tests that assert on logs build their own. */
export const logManager = new LogManager();

export function getLogger(name: string): Logger {
  return logManager.get(name);
}
