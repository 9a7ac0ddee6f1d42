import { describe, expect, test } from "bun:test";
import { offsetKeyV0 } from "./offset-key-v0.ts";

describe("offsetKeyV0", () => {
  test.each([
    // What the earlier masking wrote: an `@` after the authority hid the host and path.
    ["https://api.example/x?email=a@b.c&since=${offset}", "https://***@b.c&since=${offset}"],
    ["https://h/users/@me/events", "https://***@me/events"],
    // A `;`-separated secret parameter was not hidden.
    ["https://h/e?a=1;token=s3cret", "https://h/e?a=1;token=s3cret"],
    // Beside a secret parameter, the others were form-encoded again.
    ["https://h/e?q=a%20b&api_key=k&x=(1)", "https://h/e?q=a+b&api_key=***&x=%281%29"],
    // Where it agrees with the current key.
    ["https://u:p@h/e?api_key=k&page=2", "https://***@h/e?api_key=***&page=2"],
    ["https://h/e?since=${offset}", "https://h/e?since=${offset}"],
  ])("%s was keyed %s", (url, key) => expect(offsetKeyV0(url)).toBe(key));
});
