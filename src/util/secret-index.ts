/**
 * SecretIndex: secrets arranged so that hiding them stays cheap however many are held (a worker
 * with 200 connectors holds a thousand: a line searched once per secret cost ~0.1 ms, a 20 KB
 * stack trace ~4 ms, on every log line, status trace, REST error and DLQ header). The log manager
 * hides its held secrets with one (LogManager.redact), and ResolvedValues a request's own
 * provider-resolved values with others: one rule below, with two thresholds.
 * A few secrets are searched one after another (the engine's native search is fastest there);
 * from `MANY` on, the text is read once: secrets are grouped by the hash of their first `KEY`
 * characters, and at each position only those whose group that position's characters hash to are
 * compared. Secrets shorter than `KEY` (the log manager holds none) are always searched.
 *
 * `redact` finds every occurrence of every secret (overlapping ones included), joins overlapping
 * stretches and shows each as the hidden text, so a secret inside or overlapping another hides
 * the whole of both, and the text between two secrets is kept. A secret wholly inside the hidden
 * text already in a line (`[hidden]` holds a secret `hidden`) is left there.
 *
 * The rule: a secret shorter than the index's `whole` threshold is hidden only where it stands as
 * a whole token: not where a letter or digit (Unicode's) runs on into it on either side;
 * `password=store`, `"store"`, `u:store@h`, `store.`, `transforms.ab.type` and `ab,cd` still hide
 * it, and so does an escape before it whose last character is a letter or digit (`%3Astore%40`,
 * `\nstore`, `\u0022store`). A letter or digit next to an end of the secret that is not one itself
 * does not join them (`-pw1` is hidden in `abc-pw1`). From `whole` characters on a secret is hidden
 * wherever it occurs, inside words too. The check (`hiddenAt`) reads the characters on each side
 * of a match only, so it costs nothing per position.
 *
 * The two thresholds:
 * - `WHOLE` (8), the log manager's: its secrets are hidden in every line of everyone's logs, where
 *   a 4-7 character password `store` or `https` is an ordinary word (`keystore` showed
 *   `key[hidden]`, every URL `[hidden]s://`, and told where it stood).
 * - `KEY` (4), ResolvedValues': a request's own provider-resolved values in that request's own
 *   answers (validation, 400 messages, active topics, offsets, status traces), where a value of 4
 *   characters or more is hidden anywhere, so a message quoting part of a value composed around it
 *   (`password s3crx9 refused` for `…?password=${env:PW}x9`) shows `[hidden]x9`; only the 1-3
 *   character ones are whole tokens there.
 */

/** The shortest secret LogManager holds; the length of the hash index's key. */
export const KEY = 4;
/** The log manager's threshold: from this length on a secret is hidden wherever it occurs, inside words too. */
export const WHOLE = 8;
/** From how many secrets one pass over the text beats a search per secret (measured with bun). */
const MANY = 32;
const FILTER_BITS = 16;
const FILTER_MASK = (1 << FILTER_BITS) - 1;

const WORD = /[\p{L}\p{N}]/u;

/** Whether the code point starting at `at` (or ending just before it, with `before`) is a letter or digit. */
function wordAt(text: string, at: number, before = false): boolean {
  let code = text.charCodeAt(at);
  if (Number.isNaN(code)) return false;
  if (code < 0x80) return (code >= 48 && code <= 57) || ((code | 0x20) >= 97 && (code | 0x20) <= 122);
  if (before && code >= 0xdc00 && code <= 0xdfff && at > 0) code = text.codePointAt(at - 1) ?? code;
  else code = text.codePointAt(at) ?? code;
  return WORD.test(String.fromCodePoint(code));
}

const HEX = /^[0-9A-Fa-f]{2}$/;

/**
 * Whether the text before `at` ends with an escape whose last character is a letter or digit
 * (`%22`, `\n`, `\u0022`): the secret after it starts a token (`%3Astore%40`, `"\nstore"`).
 */
function escapeEndsAt(text: string, at: number): boolean {
  if (text[at - 2] === "\\") return true;
  if (text[at - 3] === "%" && HEX.test(text.slice(at - 2, at))) return true;
  return text[at - 6] === "\\" && text[at - 5] === "u";
}

/** Whether `secret`, found at `at`, is hidden there: one of `whole` characters or more always, a shorter one as a whole token. */
function hiddenAt(text: string, secret: string, at: number, whole: number): boolean {
  if (secret.length >= whole) return true;
  const end = at + secret.length;
  if (at > 0 && wordAt(text, at - 1, true) && wordAt(secret, 0) && !escapeEndsAt(text, at)) return false;
  return !(end < text.length && wordAt(text, end) && wordAt(secret, secret.length - 1, true));
}

function hashAt(text: string, at: number): number {
  let h = text.charCodeAt(at);
  for (let i = 1; i < KEY; i++) h = (Math.imul(h, 0x01000193) ^ text.charCodeAt(at + i)) | 0;
  return h;
}

export class SecretIndex {
  /** The secrets searched one by one: all under `MANY`, else those shorter than `KEY`. */
  private readonly searchedOnes: readonly string[];
  /** From `MANY` secrets on: the others by the hash of their first `KEY` characters. */
  private readonly byHash: Map<number, string[]> | undefined;
  /** Whether any secret's hash has these low bits: most positions stop here, without a Map lookup. */
  private readonly filter = new Uint8Array(0);

  /** `secrets`: the empty one is ignored; `whole`: from how many characters on a secret is hidden inside words too. */
  constructor(
    secrets: Iterable<string>,
    private readonly hidden: string,
    private readonly whole: number = WHOLE,
  ) {
    const all = [...new Set(secrets)].filter((secret) => secret !== "");
    this.searchedOnes = all.length < MANY ? all : all.filter((secret) => secret.length < KEY);
    if (all.length < MANY) return;
    this.byHash = new Map();
    this.filter = new Uint8Array(1 << FILTER_BITS);
    for (const secret of all) {
      if (secret.length < KEY) continue;
      const h = hashAt(secret, 0);
      const group = this.byHash.get(h);
      if (group) group.push(secret);
      else this.byHash.set(h, [secret]);
      this.filter[h & FILTER_MASK] = 1;
    }
  }

  redact(text: string): string {
    const found = this.found(text);
    const spans = found.length === 0 ? found : this.unmarked(text, found);
    if (spans.length === 0) return text;
    let out = "";
    let shown = 0;
    let start = spans[0]!;
    let end = spans[1]!;
    for (let i = 2; i < spans.length; i += 2) {
      const from = spans[i]!;
      const to = spans[i + 1]!;
      if (from < end) end = Math.max(end, to);
      else {
        out += text.slice(shown, start) + this.hidden;
        shown = end;
        start = from;
        end = to;
      }
    }
    return out + text.slice(shown, start) + this.hidden + text.slice(end);
  }

  /**
   * `spans` less those wholly inside a hidden text already there (text hidden before, by a
   * connector's own mask or an earlier pass): a secret `hidden` (a topic so named) showed each
   * `[hidden]` as `[[hidden]]`. One reaching past it is kept, grown to the whole hidden text.
   */
  private unmarked(text: string, spans: number[]): number[] {
    const size = this.hidden.length;
    const marks: number[] = [];
    for (let at = text.indexOf(this.hidden); at >= 0; at = text.indexOf(this.hidden, at + size)) marks.push(at);
    if (marks.length === 0) return spans;
    const kept: [number, number][] = [];
    for (let i = 0; i < spans.length; i += 2) {
      let [from, to] = [spans[i]!, spans[i + 1]!];
      if (marks.some((at) => at <= from && to <= at + size)) continue;
      for (const at of marks)
        if (at < to && from < at + size) [from, to] = [Math.min(from, at), Math.max(to, at + size)];
      kept.push([from, to]);
    }
    return kept.sort((a, b) => a[0] - b[0]).flat();
  }

  /** Every occurrence hidden there as [start, end) pairs, by start. */
  private found(text: string): number[] {
    const scanned = this.byHash ? this.scanned(text, this.byHash) : [];
    if (this.searchedOnes.length === 0) return scanned;
    const found: [number, number][] = [];
    for (const secret of this.searchedOnes)
      for (let at = text.indexOf(secret); at >= 0; at = text.indexOf(secret, at + 1))
        if (hiddenAt(text, secret, at, this.whole)) found.push([at, at + secret.length]);
    if (found.length === 0) return scanned;
    for (let i = 0; i < scanned.length; i += 2) found.push([scanned[i]!, scanned[i + 1]!]);
    return found.sort((a, b) => a[0] - b[0]).flat();
  }

  private scanned(text: string, byHash: ReadonlyMap<number, string[]>): number[] {
    const spans: number[] = [];
    for (let at = 0, last = text.length - KEY; at <= last; at++) {
      const h = hashAt(text, at);
      if (this.filter[h & FILTER_MASK] === 0) continue;
      for (const secret of byHash.get(h) ?? [])
        if (text.startsWith(secret, at) && hiddenAt(text, secret, at, this.whole)) spans.push(at, at + secret.length);
    }
    return spans;
  }
}
