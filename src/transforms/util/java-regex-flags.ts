/**
 * Java's inline flags inside a pattern, for java-regex.ts: `(?i)` changes the flags from there to
 * the end of its group (the alternatives after a `|` included), `(?i-s:X)` for X only. JavaScript's
 * modifiers `(?i-m:X)` take CASE_INSENSITIVE and MULTILINE; DOTALL and UNIX_LINES are kept here
 * for the translation of `.`, `$` and `\Z` (java-regex.ts writes them out). A flag change is written
 * as such a modifier group, closed where the Java group ends and reopened after each `|`. COMMENTS
 * is read before (java-regex-comments.ts) and UNICODE_CASE changes nothing here;
 * UNICODE_CHARACTER_CLASS is not run.
 */

/** The flags a Java group scope can change, with JavaScript modifiers for i and m. */
const SCOPED = "imsd";
const MODIFIERS = "im";

interface Frame {
  /** The flags in force where the group opened, restored where it closes. */
  readonly saved: string;
  /** How many modifier groups `(?i)`-style changes opened in it. */
  wrappers: number;
}

export class ScopedFlags {
  #active: string;
  readonly #frames: Frame[];

  /** `initial`: the flags of the pattern's start (java-regex.ts's leading `(?is)`). */
  constructor(initial: string) {
    this.#active = [...SCOPED].filter((f) => initial.includes(f)).join("");
    this.#frames = [{ saved: this.#active, wrappers: 0 }];
  }

  has(flag: "i" | "m" | "s" | "d"): boolean {
    return this.#active.includes(flag);
  }

  /** A group that is not a flag group opens: its flag changes end with it. */
  openGroup(): void {
    this.#frames.push({ saved: this.#active, wrappers: 0 });
  }

  /** `(?on-off:` at `at`: the group's opener, its flags changed inside it. */
  openScoped(spec: string, at: number): string {
    this.openGroup();
    this.#apply(spec, at);
    return `${this.#modifier()}`;
  }

  /** `(?on-off)` at `at`: the flags change until the enclosing group ends. */
  change(spec: string, at: number): string {
    this.#apply(spec, at);
    this.#frames.at(-1)!.wrappers++;
    return this.#modifier();
  }

  /** A `|`: the changes made in this group close before it and open again after it. */
  alternate(): string {
    const frame = this.#frames.at(-1)!;
    if (frame.wrappers === 0) return "|";
    const text = `${")".repeat(frame.wrappers)}|${this.#modifier()}`;
    frame.wrappers = 1;
    return text;
  }

  /** A group's `)` (before it is written): the modifier groups to close; its flags end. */
  close(): string {
    const frame = this.#frames.length > 1 ? this.#frames.pop()! : this.#frames[0]!;
    this.#active = frame.saved;
    return ")".repeat(frame.wrappers);
  }

  /** The pattern's end: the modifier groups still open at its top level. */
  end(): string {
    return ")".repeat(this.#frames[0]!.wrappers);
  }

  #apply(spec: string, at: number): void {
    const [on = "", off = ""] = spec.split("-");
    for (const letter of on + off) {
      // UNICODE_CASE changes nothing here; COMMENTS is read before (java-regex-comments.ts).
      if (!SCOPED.includes(letter) && letter !== "u" && letter !== "x") {
        throw new SyntaxError(`Unsupported inline flag '${letter}' near index ${at}`);
      }
    }
    let active = this.#active;
    for (const letter of on) if (SCOPED.includes(letter) && !active.includes(letter)) active += letter;
    for (const letter of off) active = active.replace(letter, "");
    this.#active = active;
  }

  /** A JavaScript modifier group opener setting i and m as they are now. */
  #modifier(): string {
    const on = [...MODIFIERS].filter((f) => this.#active.includes(f)).join("");
    const off = [...MODIFIERS].filter((f) => !this.#active.includes(f)).join("");
    return `(?${on}${off === "" ? "" : `-${off}`}:`;
  }
}
