import { describe, expect, test } from "bun:test";
import { mulberry32 } from "../../test/support/prng.ts";
import { clientCases, wholeTokenCases } from "../../test/support/whole-token-cases.ts";
import { KEY, SecretIndex, WHOLE } from "./secret-index.ts";

const letterOrDigit = (c: string | undefined) => c !== undefined && /^[\p{L}\p{N}]$/u.test(c);

/**
 * What redact must answer, the slow way: every occurrence (of a secret under 8 characters, only
 * those no letter or digit runs on into), stretches that overlap merged until none do.
 */
function expected(text: string, secrets: readonly string[]): string {
  let stretches: [number, number][] = [];
  const chars = (t: string) => [...t];
  for (const s of secrets)
    for (let at = 0; at + s.length <= text.length; at++) {
      if (text.slice(at, at + s.length) !== s) continue;
      const [before, after] = [chars(text.slice(0, at)).at(-1), chars(text.slice(at + s.length))[0]];
      const joined =
        (letterOrDigit(before) && letterOrDigit(chars(s)[0])) ||
        (letterOrDigit(after) && letterOrDigit(chars(s).at(-1)));
      if (s.length >= 8 || !joined) stretches.push([at, at + s.length]);
    }
  for (let merged = true; merged; ) {
    merged = false;
    outer: for (let i = 0; i < stretches.length; i++)
      for (let j = i + 1; j < stretches.length; j++) {
        const [a, b] = [stretches[i]!, stretches[j]!];
        if (a[0] < b[1] && b[0] < a[1]) {
          stretches = stretches.filter((_, k) => k !== i && k !== j);
          stretches.push([Math.min(a[0], b[0]), Math.max(a[1], b[1])]);
          merged = true;
          break outer;
        }
      }
  }
  stretches.sort((a, b) => a[0] - b[0]);
  let out = "";
  let shown = 0;
  for (const [from, to] of stretches) {
    out += `${text.slice(shown, from)}<H>`;
    shown = to;
  }
  return out + text.slice(shown);
}

describe("SecretIndex", () => {
  // Few secrets are searched one by one, many through the hash index: both must answer the same.
  for (const count of [1, 3, 31, 32, 200]) {
    test(`${count} secrets: every occurrence hidden, overlapping ones joined, the rest kept`, () => {
      const next = mulberry32(count);
      // A small alphabet so that secrets repeat, nest, overlap and share prefixes; regex
      // metacharacters and characters outside the BMP among them.
      const alphabet = ["a", "b", ".", "*", "(", "$", "é", "😀", "-"];
      const word = (n: number) =>
        Array.from({ length: n }, () => alphabet[Math.floor(next() * alphabet.length)]).join("");
      for (let round = 0; round < 40; round++) {
        // From 1 to 9 characters: those under KEY (4) are searched one by one beside the index.
        const secrets = [...new Set(Array.from({ length: count }, () => word(1 + Math.floor(next() * 9))))];
        const index = new SecretIndex(secrets, "<H>");
        for (let line = 0; line < 5; line++) {
          // Every other line ends with a secret: the last position is read too.
          const text =
            word(Math.floor(next() * 120)) + secrets[Math.floor(next() * secrets.length)] + word((line % 2) * 20);
          expect(index.redact(text)).toBe(expected(text, secrets));
        }
      }
    });
  }

  test("adjacent secrets are hidden one after the other; the text between two secrets is kept", () => {
    for (const filler of [0, 40]) {
      const secrets = ["s3cr3t-pw", "t0ken-123", ...Array.from({ length: filler }, (_, i) => `other-${i}-x`)];
      const index = new SecretIndex(secrets, "[hidden]");
      expect(index.redact("s3cr3t-pwt0ken-123")).toBe("[hidden][hidden]");
      expect(index.redact("a s3cr3t-pw, b t0ken-123.")).toBe("a [hidden], b [hidden].");
      expect(new SecretIndex(["s3cr3t-pw", "wt0ken-12"], "[hidden]").redact("s3cr3t-pwt0ken-12")).toBe("[hidden]"); // sharing their "w": one stretch
      expect(index.redact("nothing here")).toBe("nothing here");
    }
  });

  // A topic named `hidden` resolved by a provider: its own occurrences hidden, the [hidden] already there kept.
  test("a secret inside the hidden text already in the line is left there", () => {
    for (const filler of [0, 40]) {
      const secrets = ["hidden", "idde", ...Array.from({ length: filler }, (_, i) => `other-${i}-x`)];
      const index = new SecretIndex(secrets, "[hidden]");
      expect(index.redact("token [hidden] refused for topic hidden")).toBe("token [hidden] refused for topic [hidden]");
      expect(index.redact("[hidden][hidden]")).toBe("[hidden][hidden]");
      // One reaching past it is hidden with it.
      expect(new SecretIndex(["hidden]x", ...secrets], "[hidden]").redact("a [hidden]x b")).toBe("a [hidden] b");
    }
  });

  // The rule with the logs' threshold (WHOLE) and with ResolvedValues' (KEY):
  // test/support/whole-token-cases.ts. With 40 others the hash index reads the text, and a secret
  // under KEY characters is still searched.
  test.each([0, 40])("hides each secret where the whole-token rule says, with %i other secrets held", (filler) => {
    const others = Array.from({ length: filler }, (_, i) => `other-${i}-x`);
    const shown = (whole: number) =>
      wholeTokenCases.map(({ secret, text }) => ({
        secret,
        text,
        shown: new SecretIndex([secret, ...others], "[hidden]", whole).redact(text),
      }));
    expect(shown(WHOLE)).toEqual(wholeTokenCases.map(({ secret, text, shown }) => ({ secret, text, shown })));
    expect(shown(KEY)).toEqual(clientCases());
  });

  test("the logs' threshold is the default", () => {
    expect(new SecretIndex(["store"], "[hidden]").redact("keystore store")).toBe("keystore [hidden]");
  });
});
