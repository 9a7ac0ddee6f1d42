import { describe, expect, test } from "bun:test";
import { secretForms, withSecretForms } from "./secret-forms.ts";

describe("secretForms", () => {
  test("a secret of letters, digits and -._ has only its exact form", () => {
    expect(secretForms("Pa55-w0rd_x.yz")).toEqual(["Pa55-w0rd_x.yz"]);
  });

  // explore25 F1: an endpoint's JSON echo escaped the credential, which showed in clear.
  test.each([
    ['Q"UOTE57', ['Q\\"UOTE57', "Q\\u0022UOTE57", "Q%22UOTE57"]],
    ["back\\slash", ["back\\\\slash", "back%5Cslash"]],
    ["SLK/51", ["SLK\\/51", "SLK%2F51"]],
    ["ZTI1Lz8/MA==", ["ZTI1Lz8\\/MA==", "ZTI1Lz8/MA\\u003d\\u003d", "ZTI1Lz8%2FMA%3D%3D"]],
    ["tab\there", ["tab\\there", "tab%09here"]],
  ])("%j is also hidden JSON-escaped (with / as \\/ too, as PHP writes it) and percent-encoded", (secret, forms) => {
    expect(secretForms(secret)).toEqual([secret, ...forms]);
  });

  test("non-ASCII is also hidden as \\uXXXX (Python's ensure_ascii, PHP: lower case; Jackson: upper case)", () => {
    expect(secretForms("pässwört/1")).toEqual([
      "pässwört/1",
      "p\\u00e4ssw\\u00f6rt/1",
      "p\\u00E4ssw\\u00F6rt/1",
      "pässwört\\/1",
      "p\\u00e4ssw\\u00f6rt\\/1",
      "p\\u00E4ssw\\u00F6rt\\/1",
      "p%C3%A4ssw%C3%B6rt/1",
      "p%C3%A4ssw%C3%B6rt%2F1",
      "p%C3%A4ssw%C3%B6rt\\/1",
      // Its UTF-8 bytes read as Latin-1, in the same forms (latin1Reading).
      "pÃ¤sswÃ¶rt/1",
      "p\\u00c3\\u00a4ssw\\u00c3\\u00b6rt/1",
      "p\\u00C3\\u00A4ssw\\u00C3\\u00B6rt/1",
      "pÃ¤sswÃ¶rt\\/1",
      "p\\u00c3\\u00a4ssw\\u00c3\\u00b6rt\\/1",
      "p\\u00C3\\u00A4ssw\\u00C3\\u00B6rt\\/1",
      "p%C3%83%C2%A4ssw%C3%83%C2%B6rt/1",
      "p%C3%83%C2%A4ssw%C3%83%C2%B6rt%2F1",
      "p%C3%83%C2%A4ssw%C3%83%C2%B6rt\\/1",
    ]);
    expect(secretForms("a😀b")).toContain("a\\ud83d\\ude00b");
  });

  // Secaudit: a server decoding the Basic credential as ISO-8859-1 (Java servlet containers) echoed
  // `alice:pa"ss\wo/rd-Qx7é` as `…rd-Qx7Ã©`, which showed in the trace, the DLQ headers and the logs.
  test("a non-ASCII secret is also hidden as its UTF-8 bytes read as Latin-1, JSON-escaped too", () => {
    const forms = secretForms('alice:pa"ss\\wo/rd-Qx7é');
    expect(forms).toContain('alice:pa"ss\\wo/rd-Qx7Ã©');
    expect(forms).toContain('alice:pa\\"ss\\\\wo/rd-Qx7Ã©');
  });

  // secaudit review P3: Windows-1252 reads the UTF-8 bytes 0x80-0x9F otherwise than Latin-1 (`€` is
  // E2 82 AC: `â‚¬`, not `â\u0082¬`).
  test("a non-ASCII secret is also hidden as its UTF-8 bytes read as Windows-1252", () => {
    const forms = secretForms("key-€uro-ü");
    expect(forms).toContain("key-â‚¬uro-Ã¼");
    expect(forms).toContain("key-\u00e2\u201a\u00acuro-\u00c3\u00bc");
    expect(forms).toContain("key-\u00e2\u0082\u00acuro-\u00c3\u00bc");
  });

  // review P2-1: Go's encoding/json, Gson and .NET's System.Text.Json escape characters HTML gives a meaning to.
  test("a secret holding <>&='\"+` is also hidden as Go (<>&), Gson (<>&=') and .NET (\"&'+<>`, upper case) escape it", () => {
    expect(secretForms("++++QQ==")).toEqual([
      "++++QQ==",
      "++++QQ\\u003d\\u003d",
      "\\u002B\\u002B\\u002B\\u002BQQ==",
      "%2B%2B%2B%2BQQ%3D%3D",
    ]);
    expect(secretForms("k3y&<s>=1")).toEqual([
      "k3y&<s>=1",
      "k3y\\u0026\\u003cs\\u003e=1",
      "k3y\\u0026\\u003cs\\u003e\\u003d1",
      "k3y\\u0026\\u003Cs\\u003E=1",
      "k3y&%3Cs%3E=1",
      "k3y%26%3Cs%3E%3D1",
      "k3y\\u0026%3Cs%3E=1",
      "k3y\\u0026%3Cs%3E\\u003d1",
    ]);
    expect(secretForms('Q"u`ä')).toContain("Q\\u0022u\\u0060\\u00E4");
  });

  // explore25 F3: a provider value in http.url's path showed percent-encoded in "HTTP 400 from GET <url>".
  test("a secret in a URL's path or query is also hidden as the URL parser encodes it there", () => {
    const secret = "S3CRET SP{67}<`'>";
    const forms = secretForms(secret);
    expect(forms).toContain(new URL(`http://h/a/${secret}/x`).pathname.split("/")[2]!);
    expect(forms).toContain(new URL(`http://h/?k=${secret}`).search.slice(3));
    expect(forms).toContain(encodeURIComponent(secret));
    // A form field's value (an OAuth client secret sent in Basic, RFC 6749 2.3.1).
    expect(forms).toContain(new URLSearchParams({ k: secret }).toString().slice(2));
  });

  // review P3-1: a secret in a URL's path quoted inside a PHP JSON echo reads `S%20P\/x`.
  test("a percent form is also hidden JSON-escaped", () => {
    const forms = secretForms("S P/x");
    expect(forms).toContain("S%20P\\/x");
    expect(forms).toContain("S\\u002BP%2Fx");
    expect(secretForms("a&b c")).toContain("a\\u0026b%20c");
  });

  // explore25 F2: validation quotes a value trimmed (Connect's ConfigDef trims STRING values).
  test("a secret with surrounding white space (a file written with echo) is also hidden trimmed, in its forms too", () => {
    expect(secretForms("SECRET-NL56\n")).toEqual(["SECRET-NL56\n", "SECRET-NL56\\n", "SECRET-NL56%0A", "SECRET-NL56"]);
    expect(secretForms(' Q"1 ')).toContain('Q\\"1');
    expect(secretForms(" \n")).toEqual([]);
  });

  // review P2-2: a masker's length threshold applied to each form hid a short secret's escapes in ordinary text.
  test("a secret that trims to under minLength characters has no forms", () => {
    for (const secret of ["\r\n", "a b", "ä", " abc\n"]) expect(secretForms(secret, 4)).toEqual([]);
    expect(secretForms(" abcd\n", 4)).toContain("abcd");
  });

  test("a lone surrogate is percent-encoded as the URL parser does (U+FFFD)", () => {
    expect(secretForms("x\ud800y")).toContain("x%EF%BF%BDy");
  });

  test("withSecretForms: each form once", () => {
    expect(withSecretForms(["a/b", "a/b", "c"])).toEqual(["a/b", "a\\/b", "a%2Fb", "c"]);
  });
});
