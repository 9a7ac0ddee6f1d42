/**
 * The parts of a percent-encoded value (a URL written encoded in a parameter's value:
 * `?next=https%3A%2F%2Fu%3As3cret%40h%2Fx`, `?redirect=https%3A%2F%2Fh%2Fcb%3Ftoken%3Ds3cret`) that
 * hide the parts a masking rule hides in its decoding, so the value is shown as written with those
 * parts `***` (`https%3A%2F%2F***%40h%2Fx`). For the log masking (url-credentials.ts), which may
 * change it; the HTTP source's partition key v3 has its own frozen copy (offset-key-v3-encoded.ts).
 *
 * Only escapes of ASCII from the space on (`%20`…`%7F`: printable ASCII and DEL) are decoded: every
 * character a masking rule reads as a delimiter (`:/?#@&=;` and space) is one, and each decodes to
 * one character, so each character of the decoding comes from one place of the value. Others
 * (`%C3%A9`, `%00`) stay as written.
 */

/** A part of a text to hide: [start, end); an empty one marks where an empty secret was. */
export type HiddenRange = readonly [number, number];

const ASCII_ESCAPE = /%[2-7][0-9A-Fa-f]/;
// `*` in the decoding is read as this private-use character, so each `*` of the rule's answer is one
// of the `***` it hides with (neither character is a delimiter of any rule).
/** What a `*` of a decoding is read as, so that a rule's `***` tells itself apart from it. */
export const STAR_STAND_IN = "\uE000";

/**
 * The ranges of `value` that hold what `hide` (a masking rule: text in, the text with each hidden
 * part replaced by `***` out) hides in `value` percent-decoded; none when the value holds no
 * escape or the rule hides nothing in its decoding.
 */
export function percentEncodedHiddenRanges(value: string, hide: (decoded: string) => string): HiddenRange[] {
  if (!ASCII_ESCAPE.test(value)) return [];
  const { decoded, from } = percentDecoded(value);
  const read = decoded.replaceAll("*", STAR_STAND_IN);
  const shown = hide(read);
  if (shown === read) return [];
  const hidden = hiddenParts(read, shown);
  // Not the decoding with parts replaced (a rule this module does not expect): hide it all.
  if (hidden === undefined) return [[0, value.length]];
  const at = (index: number) => (index < decoded.length ? from[index]! : value.length);
  return hidden.map(([start, end]) => [at(start), at(end)]);
}

/** `value` with its ASCII escapes decoded, and where in `value` each character of it comes from. */
function percentDecoded(value: string): { decoded: string; from: Int32Array } {
  const decoded = value.replace(ASCII_ESCAPES, (written) => String.fromCharCode(Number.parseInt(written.slice(1), 16)));
  const from = new Int32Array(decoded.length);
  for (let i = 0, j = 0; j < decoded.length; j++) {
    from[j] = i;
    i += asciiEscapeAt(value, i) ? 3 : 1;
  }
  return { decoded, from };
}

const ASCII_ESCAPES = /%[2-7][0-9A-Fa-f]/g;

/** Whether an ASCII escape (ASCII_ESCAPE) starts at `i`: read by character codes, once per character. */
function asciiEscapeAt(value: string, i: number): boolean {
  if (value.charCodeAt(i) !== 37) return false;
  const high = value.charCodeAt(i + 1);
  const low = value.charCodeAt(i + 2);
  const hex = (low >= 48 && low <= 57) || (low >= 65 && low <= 70) || (low >= 97 && low <= 102);
  return high >= 50 && high <= 55 && hex;
}

/**
 * The ranges of `text` that `shown` (text with parts replaced by `***`, in order) replaced, or
 * undefined when `shown` is no such text. Between two runs of `*` comes a part of `text` shown
 * as it is: placed at its first occurrence after the part before it (any placement shows the same
 * characters), the last one at the end of the text. Linear in the texts' lengths.
 */
export function hiddenParts(text: string, shown: string): HiddenRange[] | undefined {
  const parts = shown.split(/\*+/);
  if (parts.length === 1) return undefined;
  const first = parts[0]!;
  const last = parts[parts.length - 1]!;
  if (!text.startsWith(first)) return undefined;
  const ranges: [number, number][] = [];
  let position = first.length;
  for (const part of parts.slice(1, -1)) {
    const found = text.indexOf(part, position);
    if (found === -1) return undefined;
    ranges.push([position, found]);
    position = found + part.length;
  }
  const lastStart = text.length - last.length;
  if (lastStart < position || !text.endsWith(last)) return undefined;
  ranges.push([position, lastStart]);
  return ranges;
}

/** `text` with each of `ranges` (in order, apart) replaced by `***`. */
export function withRangesHidden(text: string, ranges: readonly HiddenRange[]): string {
  let out = "";
  let copied = 0;
  for (const [start, end] of ranges) {
    out += `${text.slice(copied, start)}***`;
    copied = end;
  }
  return out + text.slice(copied);
}
