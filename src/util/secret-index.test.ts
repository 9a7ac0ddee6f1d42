import { describe, expect, test } from "bun:test";
import { SecretIndex } from "./secret-index.ts";

/** What redact must answer, the slow way: every occurrence, stretches that overlap merged until none do. */
function expected(text: string, secrets: readonly string[]): string {
  let stretches: [number, number][] = [];
  for (const s of secrets)
    for (let at = 0; at + s.length <= text.length; at++)
      if (text.slice(at, at + s.length) === s) stretches.push([at, at + s.length]);
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

/** A deterministic pseudo-random generator (mulberry32), so a failure repeats. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("SecretIndex", () => {
  // Few secrets are searched one by one, many through the hash index: both must answer the same.
  for (const count of [1, 3, 31, 32, 200]) {
    test(`${count} secrets: every occurrence hidden, overlapping ones joined, the rest kept`, () => {
      const next = random(count);
      // A small alphabet so that secrets repeat, nest, overlap and share prefixes; regex
      // metacharacters and characters outside the BMP among them.
      const alphabet = ["a", "b", ".", "*", "(", "$", "é", "😀", "-"];
      const word = (n: number) =>
        Array.from({ length: n }, () => alphabet[Math.floor(next() * alphabet.length)]).join("");
      for (let round = 0; round < 40; round++) {
        const secrets = [...new Set(Array.from({ length: count }, () => word(4 + Math.floor(next() * 6))))].filter(
          (s) => s.length >= 4,
        );
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
      const secrets = ["s3cr3t", "t0ken-1", ...Array.from({ length: filler }, (_, i) => `other-${i}-x`)];
      const index = new SecretIndex(secrets, "[hidden]");
      expect(index.redact("s3cr3tt0ken-1")).toBe("[hidden][hidden]");
      expect(index.redact("a s3cr3t, b t0ken-1.")).toBe("a [hidden], b [hidden].");
      expect(index.redact("s3cr3t0ken-1")).toBe("[hidden]"); // sharing their "t": one stretch
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
      expect(new SecretIndex(["den]x", ...secrets], "[hidden]").redact("a [hidden]x b")).toBe("a [hidden] b");
    }
  });
});
