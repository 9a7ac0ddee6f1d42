import { describe, expect, test } from "bun:test";
import { inProcessWorker } from "../../runtime/herder-test-support.ts";

const MESSAGE_TAIL =
  "You can also find the above list of errors at the endpoint `/connector-plugins/{connectorType}/config/validate`";

describe("POST /connectors and PUT /connectors/{name}/config with a cross-key error", () => {
  const invalid = { "connector.class": "ScriptedSource", "auth.type": "BEARER" };
  const message = `Connector configuration is invalid and contains the following 1 error(s):\nauth.token is required when auth.type is BEARER\n${MESSAGE_TAIL}`;

  test("POST answers 400 in Connect's message style and creates nothing", async () => {
    await using w = await inProcessWorker();
    const { status, body } = await w.rest("POST", "/connectors", { name: "x", config: invalid });
    expect({ status, body }).toEqual({ status: 400, body: { error_code: 400, message } });
    expect((await w.rest("GET", "/connectors")).body).toEqual([]);
    expect(w.scripted.connectorStarts).toBe(0);
  });

  test("PUT answers 400 for a new connector and for an update, leaving the stored config as it was", async () => {
    await using w = await inProcessWorker();
    expect(await w.rest("PUT", "/connectors/x/config", invalid)).toEqual({
      status: 400,
      body: { error_code: 400, message },
    });
    const valid = { "connector.class": "ScriptedSource", "auth.type": "NONE" };
    expect((await w.rest("PUT", "/connectors/x/config", valid)).status).toBe(201);
    expect(await w.rest("PUT", "/connectors/x/config", invalid)).toEqual({
      status: 400,
      body: { error_code: 400, message },
    });
    expect((await w.rest("GET", "/connectors/x/config")).body).toEqual({ ...valid, name: "x" });
  });

  test("PATCH that breaks the rule answers 400 too", async () => {
    await using w = await inProcessWorker();
    expect((await w.rest("PUT", "/connectors/x/config", { "connector.class": "ScriptedSource" })).status).toBe(201);
    expect(await w.rest("PATCH", "/connectors/x/config", { "auth.type": "BEARER" })).toEqual({
      status: 400,
      body: { error_code: 400, message },
    });
  });
});
