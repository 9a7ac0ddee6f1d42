import { describe, expect, test } from "bun:test";
import { requestHeaders } from "../../ingest/record-builder.ts";
import { httpIngestConfig, routeSettings } from "./config.ts";
import { httpIngestSource } from "./index.ts";

const config = (allowlist: string) => ({
  "ingest.path": "/ingest/t",
  "kafka.topic": "t",
  "ingest.headers.allowlist": allowlist,
});

describe("credential headers in ingest.headers.allowlist", () => {
  test("are never copied into records (nor the spool): the device's token stays out of Kafka", () => {
    const settings = routeSettings(
      httpIngestConfig.parse(config("X-Site,Authorization:auth,proxy-authorization,Cookie")),
      undefined,
      undefined,
    );
    const request = new Request("http://127.0.0.1/ingest/t", {
      method: "POST",
      headers: {
        Authorization: "Bearer dev1ce-t0ken",
        "Proxy-Authorization": "Basic cHJveHk6cHc=",
        Cookie: "session=c00kie",
        "X-Site": "north",
      },
    });
    expect(requestHeaders(settings, request, 0, null, false)).toEqual([["X-Site", "north"]]);
  });

  test("are refused by validation; a stored config is warned about at start (validation-only)", () => {
    const problems = httpIngestSource().validationOnly!(config("X-Site, Authorization:auth"));
    expect(problems).toEqual([
      {
        key: "ingest.headers.allowlist",
        message:
          "Authorization carries the device's credentials and is never copied into records; the authenticated identity is in ingest.identity.header",
      },
    ]);
    expect(httpIngestSource().validationOnly!(config("X-Site,X-Api-Version"))).toEqual([]);
  });

  test("as ingest.key.header they are refused too (validation-only: a stored config keeps its partitions)", () => {
    const keyed = { ...config(""), "ingest.key.source": "header", "ingest.key.header": "authorization" };
    expect(httpIngestSource().validationOnly!(keyed)).toEqual([
      {
        key: "ingest.key.header",
        message:
          "authorization carries the device's credentials: as the key it would be in every record; set ingest.identity.key=true to key records by the authenticated identity",
      },
    ]);
    expect(httpIngestSource().validationOnly!({ ...keyed, "ingest.key.source": "none" })).toEqual([]);
  });
});
