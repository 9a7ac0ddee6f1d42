// explore29 F5: http.offset.field and http.initial.offset set without http.offset.mode passed
// validation and ran in silence, every poll delivering every record again.
import { describe, expect, test } from "bun:test";
import { api, startTask } from "./test-support.ts";

const WARNING = "http.offset.mode is NONE:";

async function warningsOf(config: Record<string, string>, path = "/e") {
  using server = api(() => Response.json([]));
  const h = await startTask({ "http.url": `${server.base}${path}`, "http.response.records.path": "$[*]", ...config });
  return h.logs.filter((l) => l.includes(WARNING));
}

describe("offset keys set while http.offset.mode is NONE", () => {
  test("one WARN at task start names the ignored keys, never their values", async () => {
    const warnings = await warningsOf({ "http.offset.field": "updated_at", "http.initial.offset": "2024-01-01" });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("WARN");
    expect(warnings[0]).toContain(
      "http.offset.mode is NONE: http.offset.field, http.initial.offset are ignored, no offset is kept and every poll delivers every record it reads again (set http.offset.mode=TIMESTAMP or CURSOR to poll from an offset)",
    );
    expect(warnings[0]).not.toContain("2024-01-01");
  });

  test("http.initial.offset filling a ${offset} of the request is used: only http.offset.field is named", async () => {
    const warnings = await warningsOf(
      { "http.offset.field": "id", "http.initial.offset": "100" },
      "/e?after=${offset}",
    );
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("http.offset.mode is NONE: http.offset.field is ignored");
  });

  test.each<Record<string, string>>([
    {},
    { "http.initial.offset": "100", "http.request.body": '{"after":"${offset}"}', "http.method": "POST" },
    { "http.offset.mode": "CURSOR", "http.offset.field": "id", "http.initial.offset": "100" },
  ])("no warning when every key set has an effect (%o)", async (config) => {
    expect(await warningsOf(config)).toEqual([]);
  });
});
