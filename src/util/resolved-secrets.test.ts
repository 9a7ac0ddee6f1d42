import { describe, expect, test } from "bun:test";
import { HIDDEN, LogManager } from "./logger.ts";
import { ResolvedSecrets } from "./resolved-secrets.ts";

describe("ResolvedSecrets", () => {
  test("a token rotated a thousand times keeps a bounded history: its recent values hidden, old ones forgotten", () => {
    const logs = new LogManager({ sink: () => {} });
    const secrets = new ResolvedSecrets(logs, { perReference: 4, references: 16 });
    for (let i = 0; i < 1000; i++) {
      secrets.remember("vault:app:token", `token-${i}`);
      secrets.remember("vault:app:token", `token-${i}`); // resolved again: still one value
    }
    expect(logs.secretCount).toBe(4);
    expect(secrets.size).toBe(4);
    for (const i of [996, 997, 998, 999]) expect(logs.redact(`token-${i}`)).toBe(HIDDEN);
    expect(logs.redact("token-995")).toBe("token-995");
  });

  test("a value resolved again is the reference's newest; a value something holds stays hidden when forgotten here", () => {
    const logs = new LogManager({ sink: () => {} });
    const secrets = new ResolvedSecrets(logs, { perReference: 2, references: 16 });
    secrets.remember("p::k", "value-a");
    const release = logs.holdSecrets(["value-a"]); // a running task's
    secrets.remember("p::k", "value-b");
    secrets.remember("p::k", "value-a"); // newest again
    secrets.remember("p::k", "value-c"); // forgets value-b, the oldest
    expect(logs.redact("value-a value-b value-c")).toBe(`${HIDDEN} value-b ${HIDDEN}`);
    secrets.remember("p::k", "value-d");
    secrets.remember("p::k", "value-e"); // forgets value-a here; the task still holds it
    expect(logs.redact("value-a")).toBe(HIDDEN);
    release();
    expect(logs.redact("value-a")).toBe("value-a");
  });

  // explore25 F2: a value read from a file written with echo ends in "\n"; validation messages and
  // the "Stopping after connector error" line quote it trimmed, which showed in clear.
  test("a value with surrounding white space is hidden trimmed too, and released with it", () => {
    const logs = new LogManager({ sink: () => {} });
    const secrets = new ResolvedSecrets(logs, { perReference: 1, references: 16 });
    secrets.remember("dir:/run:nl", "SECRET-NL56\n");
    expect(logs.redact("Invalid value SECRET-NL56 for configuration http.auth.type")).toBe(
      `Invalid value ${HIDDEN} for configuration http.auth.type`,
    );
    secrets.remember("dir:/run:nl", "rotated-value");
    expect(logs.redact("SECRET-NL56")).toBe("SECRET-NL56");
    expect(logs.secretCount).toBe(1);
  });

  test("at most `references` references are remembered, the least recently resolved forgotten first", () => {
    const logs = new LogManager({ sink: () => {} });
    const secrets = new ResolvedSecrets(logs, { perReference: 2, references: 3 });
    for (const r of ["a", "b", "c"]) secrets.remember(`p:${r}:k`, `secret-${r}`);
    secrets.remember("p:a:k", "secret-a"); // a is now the most recent
    secrets.remember("p:d:k", "secret-d"); // forgets b
    expect(logs.redact("secret-a secret-b secret-c secret-d")).toBe(`${HIDDEN} secret-b ${HIDDEN} ${HIDDEN}`);
    expect(logs.secretCount).toBe(3);
  });

  // review-secrets5 P2-3: one resolution reporting more values than the bound released its first at once.
  test("a reference keeps every value its latest resolution reported, and its `hidden` texts with each", () => {
    const logs = new LogManager({ sink: () => {} });
    const secrets = new ResolvedSecrets(logs, { perReference: 2, references: 16 });
    const first = {};
    for (const v of ["value-a", "value-b", "value-c"]) secrets.remember("raw", v, { resolution: first });
    expect(secrets.size).toBe(3);
    const second = {};
    secrets.remember("raw", "value-d", { resolution: second }); // the bound applies to older resolutions
    expect(logs.redact("value-a value-b value-c value-d")).toBe(`value-a value-b ${HIDDEN} ${HIDDEN}`);
    secrets.remember("p::k", "list-a,list-b", { hidden: ["list-a,list-b", "list-a", "list-b"] });
    expect(logs.redact("list-b")).toBe(HIDDEN);
  });
});
