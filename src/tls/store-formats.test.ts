import { describe, expect, test } from "bun:test";
import { allTexts } from "../../test/support/all-texts.ts";
import { splitPem } from "./store-formats.ts";

const KINDS = ["CERTIFICATE", "PRIVATE KEY", "X509 CRL"] as const;

/** The single patterns splitPem used before the ReDoS audit: the answers it must keep. */
const PATTERNS = {
  CERTIFICATE: /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g,
  "X509 CRL": /-----BEGIN X509 CRL-----[\s\S]*?-----END X509 CRL-----/g,
  "PRIVATE KEY": /-----BEGIN (?:[A-Z ]+ )?PRIVATE KEY-----[\s\S]*?-----END (?:[A-Z ]+ )?PRIVATE KEY-----/g,
};

describe("splitPem", () => {
  test("finds the blocks the one-pattern version found, in every text of up to 4 armour pieces", () => {
    const pieces = [
      "-----BEGIN CERTIFICATE-----",
      "-----END CERTIFICATE-----",
      "-----BEGIN PRIVATE KEY-----",
      "-----END PRIVATE KEY-----",
      "-----BEGIN RSA PRIVATE KEY-----",
      "-----END EC PRIVATE KEY-----",
      "-----BEGIN X509 CRL-----",
      "-----END X509 CRL-----",
      "-----BEGIN ",
      "-----END ",
      "A ",
      "PRIVATE KEY-----",
      "-----",
      "x\n",
    ];
    const texts = allTexts(pieces, 4);
    const differing = KINDS.flatMap((kind) =>
      texts.filter((t) => !Bun.deepEquals(splitPem(t, kind), t.match(PATTERNS[kind]) ?? [])).map((t) => [kind, t]),
    );
    expect(differing).toEqual([]);
  });

  test.each(KINDS)(
    "3 MB of %s BEGIN lines without an END is read at once (about seven minutes before; 1 MB: 44 s)",
    (kind) => {
      const text = `-----BEGIN ${kind}-----\n`.repeat(3_000_000 / (kind.length + 18));
      expect(splitPem(`${text}-----END ${kind}-----`, kind)).toEqual([`${text}-----END ${kind}-----`]);
      expect(splitPem(text, kind)).toEqual([]);
    },
  );
});
