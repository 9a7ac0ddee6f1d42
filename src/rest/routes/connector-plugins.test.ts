import { describe, expect, test } from "bun:test";
import { inProcessWorker, SCRIPTED_SOURCE } from "../../runtime/herder-test-support.ts";

describe("PUT /connector-plugins/{plugin}/config/validate", () => {
  describe("when the connector's cross-key rule is violated", () => {
    test("reports it on the key at fault and counts it in error_count", async () => {
      await using w = await inProcessWorker();
      const { status, body } = await w.rest("PUT", "/connector-plugins/ScriptedSource/config/validate", {
        "connector.class": SCRIPTED_SOURCE,
        name: "v",
        "auth.type": "BEARER",
      });
      expect(status).toBe(200);
      expect(body.name).toBe(SCRIPTED_SOURCE);
      expect(body.error_count).toBe(1);
      const token = body.configs.find(
        (c: { definition: { name: string } | null }) => c.definition?.name === "auth.token",
      );
      expect(token.value).toEqual({
        name: "auth.token",
        value: null,
        recommended_values: [],
        errors: ["auth.token is required when auth.type is BEARER"],
        visible: true,
      });
    });
  });

  describe("when the config satisfies the rule", () => {
    test("error_count is 0 and the secret shows as [hidden]", async () => {
      await using w = await inProcessWorker();
      const { status, body } = await w.rest("PUT", "/connector-plugins/ScriptedSource/config/validate", {
        "connector.class": SCRIPTED_SOURCE,
        name: "v",
        "auth.type": "BEARER",
        "auth.token": "s3cr3t-token",
      });
      expect(status).toBe(200);
      expect(body.error_count).toBe(0);
      expect(JSON.stringify(body)).not.toContain("s3cr3t-token");
    });
  });
});
