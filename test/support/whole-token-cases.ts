/**
 * The one rule for where a secret found in a text is hidden (util/secret-index.ts), as a table:
 * SecretIndex (the logs' held secrets) and ResolvedValues (a request's provider-resolved values in
 * REST answers) are each checked against it, so a validation answer and a log line hide the same.
 * A password `store` or `http` is an ordinary word inside others (explore3 H3: `key[hidden]`,
 * `[hidden]s://`); values under KEY (4) characters are only ever hidden by ResolvedValues.
 */
import { HIDDEN } from "../../src/util/logger.ts";
import { SecretIndex } from "../../src/util/secret-index.ts";

export interface WholeTokenCase {
  readonly secret: string;
  readonly text: string;
  /** `text` as shown, each hidden stretch as `[hidden]`. */
  readonly shown: string;
}

export const wholeTokenCases: readonly WholeTokenCase[] = [
  // Under 8 characters: a letter or digit running on into it keeps it.
  { secret: "store", text: "wrong keystore password", shown: "wrong keystore password" },
  { secret: "http", text: "GET https://h/x http://h", shown: "GET https://h/x [hidden]://h" },
  { secret: "force", text: "enforce stores (force)", shown: "enforce stores ([hidden])" },
  // Standing alone between other characters it is hidden.
  { secret: "store", text: "password=store", shown: "password=[hidden]" },
  { secret: "store", text: 'sent "store"', shown: 'sent "[hidden]"' },
  { secret: "store", text: "u:store@h", shown: "u:[hidden]@h" },
  { secret: "store", text: "store.", shown: "[hidden]." },
  // An escape's last letter or digit does not join it.
  { secret: "store", text: "u%3Astore%40h", shown: "u%3A[hidden]%40h" },
  { secret: "store", text: "\\nstore \\u0022store", shown: "\\n[hidden] \\u0022[hidden]" },
  // Letters and digits beyond ASCII join; other characters beyond ASCII do not.
  { secret: "store", text: "éstore store9 ١store", shown: "éstore store9 ١store" },
  { secret: "store", text: "«store» — store", shown: "«[hidden]» — [hidden]" },
  // A letter or digit next to an end of the secret that is not one itself does not join them.
  { secret: "-pw1", text: "abc-pw1 abc-pw1x", shown: "abc[hidden] abc-pw1x" },
  // A 2-character value: a list element, a key-name segment, after an escape; not inside a word.
  { secret: "ab", text: "transforms=ab,leaked-alias", shown: "transforms=[hidden],leaked-alias" },
  { secret: "ab", text: 'configuration "transforms.ab.type"', shown: 'configuration "transforms.[hidden].type"' },
  { secret: "ab", text: "%3Aab table", shown: "%3A[hidden] table" },
  { secret: "ab", text: "ab١ éab", shown: "ab١ éab" },
  // 8 characters or more: hidden anywhere, inside words too.
  { secret: "Pa55w0rd", text: "myPa55w0rdX", shown: "my[hidden]X" },
];

/** Whether the rule finds `secret` in `text` where it hides it (a whole token under 8 characters): `text` leaks it. */
export function showsSecret(text: string, secret: string): boolean {
  return new SecretIndex([secret], HIDDEN).redact(text) !== text;
}
