/**
 * The one rule for where a secret found in a text is hidden (util/secret-index.ts), as a table:
 * SecretIndex with the logs' threshold (WHOLE, 8: `shown`) and ResolvedValues (a request's
 * provider-resolved values in its own REST answers, threshold KEY, 4: `toClient` where it differs)
 * are each checked against it. In the logs a password `store` or `http` is an ordinary word inside
 * others (explore3 H3: `key[hidden]`, `[hidden]s://`); a client's own answer hides it anywhere, so
 * a message quoting part of a value composed around it does not show it (review-secrets5 P2-1).
 * Values under KEY (4) characters are only ever hidden by ResolvedValues.
 */

export interface WholeTokenCase {
  readonly secret: string;
  readonly text: string;
  /** `text` as the logs show it, each hidden stretch as `[hidden]`. */
  readonly shown: string;
  /** `text` as a client's own answer shows it, where that differs from `shown`. */
  readonly toClient?: string;
}

export const wholeTokenCases: readonly WholeTokenCase[] = [
  // Under 8 characters: a letter or digit running on into it keeps it.
  {
    secret: "store",
    text: "wrong keystore password",
    shown: "wrong keystore password",
    toClient: "wrong key[hidden] password",
  },
  {
    secret: "http",
    text: "GET https://h/x http://h",
    shown: "GET https://h/x [hidden]://h",
    toClient: "GET [hidden]s://h/x [hidden]://h",
  },
  {
    secret: "force",
    text: "enforce stores (force)",
    shown: "enforce stores ([hidden])",
    toClient: "en[hidden] stores ([hidden])",
  },
  // Standing alone between other characters it is hidden.
  { secret: "store", text: "password=store", shown: "password=[hidden]" },
  { secret: "store", text: 'sent "store"', shown: 'sent "[hidden]"' },
  { secret: "store", text: "u:store@h", shown: "u:[hidden]@h" },
  { secret: "store", text: "store.", shown: "[hidden]." },
  // An escape's last letter or digit does not join it.
  { secret: "store", text: "u%3Astore%40h", shown: "u%3A[hidden]%40h" },
  { secret: "store", text: "\\nstore \\u0022store", shown: "\\n[hidden] \\u0022[hidden]" },
  // Letters and digits beyond ASCII join; other characters beyond ASCII do not.
  {
    secret: "store",
    text: "éstore store9 ١store",
    shown: "éstore store9 ١store",
    toClient: "é[hidden] [hidden]9 ١[hidden]",
  },
  { secret: "store", text: "«store» — store", shown: "«[hidden]» — [hidden]" },
  // A letter or digit next to an end of the secret that is not one itself does not join them.
  { secret: "-pw1", text: "abc-pw1 abc-pw1x", shown: "abc[hidden] abc-pw1x", toClient: "abc[hidden] abc[hidden]x" },
  // A 2-character value: a list element, a key-name segment, after an escape; not inside a word.
  { secret: "ab", text: "transforms=ab,leaked-alias", shown: "transforms=[hidden],leaked-alias" },
  { secret: "ab", text: 'configuration "transforms.ab.type"', shown: 'configuration "transforms.[hidden].type"' },
  { secret: "ab", text: "%3Aab table", shown: "%3A[hidden] table" },
  { secret: "ab", text: "ab١ éab", shown: "ab١ éab" },
  // A client's own answer: 4 characters or more, hidden anywhere (`password s3crx9 refused`).
  {
    secret: "s3cr",
    text: "password s3crx9 refused",
    shown: "password s3crx9 refused",
    toClient: "password [hidden]x9 refused",
  },
  // 8 characters or more: hidden anywhere, inside words too.
  { secret: "Pa55w0rd", text: "myPa55w0rdX", shown: "my[hidden]X" },
];

/** The table as a client's own answer shows each text (`toClient` where given). */
export function clientCases(): WholeTokenCase[] {
  return wholeTokenCases.map(({ secret, text, shown, toClient }) => ({ secret, text, shown: toClient ?? shown }));
}
