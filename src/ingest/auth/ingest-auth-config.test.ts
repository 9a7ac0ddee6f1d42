/**
 * Start-time checks of the jwt keys (security review 2026-12-01): P2.9, a WARN when audience or
 * issuer is unset; P3.19, a plain http:// JWKS URL refused unless it is a loopback address.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { type TempDir, tempDir } from "../../../test/support/temp-dir.ts";
import { ConfigError } from "../../errors.ts";
import { parseListener } from "../../listener.ts";
import { fastHash } from "../../rest/auth/test-support.ts";
import { LogManager } from "../../util/logger.ts";
import { clearTextIngestListeners } from "../clear-text-listeners.ts";
import { ingestAuthConfigDef, ingestAuthenticatorFrom, NO_CLIENT_CERTIFICATES } from "./ingest-auth-config.ts";

function start(config: Record<string, string>): { warnings: string[]; error?: unknown } {
  const lines: string[] = [];
  const logs = new LogManager({ sink: (line) => lines.push(line) });
  try {
    ingestAuthenticatorFrom(ingestAuthConfigDef.parse({ "ingest.auth.methods": "jwt", ...config }), {
      mtlsIdentity: "cn",
      logger: logs.get("auth"),
      connector: "telemetry",
    });
  } catch (error) {
    return { warnings: lines, error };
  }
  return { warnings: lines.filter((l) => l.includes("WARN")) };
}

const complete = {
  "ingest.auth.jwt.jwks.url": "https://idp.example/jwks",
  "ingest.auth.jwt.issuer": "https://idp.example",
  "ingest.auth.jwt.audience": "ingest",
};

describe("ingestAuthenticatorFrom with jwt", () => {
  test("issuer, audience and an https JWKS: no warning", () => {
    expect(start(complete)).toEqual({ warnings: [] });
  });

  test("no audience and no issuer: a WARN for each, naming the connector and the key", () => {
    const { warnings, error } = start({ "ingest.auth.jwt.jwks.url": complete["ingest.auth.jwt.jwks.url"] });
    expect(error).toBeUndefined();
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toContain("[telemetry] ingest.auth.jwt.audience is not set");
    expect(warnings[1]).toContain("[telemetry] ingest.auth.jwt.issuer is not set");
  });

  test("a plain http JWKS URL to another host fails the start naming the key", () => {
    const { error } = start({ ...complete, "ingest.auth.jwt.jwks.url": "http://idp.example/jwks" });
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain("Invalid value for configuration ingest.auth.jwt.jwks.url");
    expect((error as Error).message).toContain("use https://");
  });

  test.each(["http://127.0.0.1:8081/jwks", "http://localhost/jwks", "http://[::1]:9/jwks"])(
    "a plain http JWKS URL on loopback (%s) starts with a WARN",
    (url) => {
      const { warnings, error } = start({ ...complete, "ingest.auth.jwt.jwks.url": url });
      expect(error).toBeUndefined();
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain("ingest.auth.jwt.jwks.url is plain http");
    },
  );
});

describe("ingest.auth.jwt.jwks.cooldown.ms", () => {
  const parse = (ms: string) => () =>
    ingestAuthConfigDef.parse({ "ingest.auth.methods": "jwt", ...complete, "ingest.auth.jwt.jwks.cooldown.ms": ms });

  // 0 was accepted and meant no cooldown: every token naming a made-up key id fetched the JWKS.
  test.each(["0", "999"])("%s ms is refused with a message saying why", (ms) => {
    expect(parse(ms)).toThrow(ConfigError);
    expect(parse(ms)).toThrow(
      `Invalid value ${ms} for configuration ingest.auth.jwt.jwks.cooldown.ms: Value must be at least 1000: with a shorter cooldown every token naming an unknown key id, forged ones too, makes the gateway fetch the JWKS again`,
    );
  });

  test("a second and the default are accepted", () => {
    expect(parse("1000")()["ingest.auth.jwt.jwks.cooldown.ms"]).toBe(1000);
    expect(ingestAuthConfigDef.parse({})["ingest.auth.jwt.jwks.cooldown.ms"]).toBe(30000);
  });
});

describe("mtls without a listener that asks for client certificates", () => {
  const warnings = (clientCertificates: boolean | undefined, methods = "mtls") => {
    const lines: string[] = [];
    const logs = new LogManager({ sink: (line) => lines.push(line) });
    ingestAuthenticatorFrom(ingestAuthConfigDef.parse({ "ingest.auth.methods": methods }), {
      mtlsIdentity: "cn",
      logger: logs.get("auth"),
      connector: "telemetry",
      ...(clientCertificates === undefined ? {} : { clientCertificates }),
    });
    return lines.filter((l) => l.includes("WARN"));
  };

  // Every device was refused (401 "send a client certificate") with nothing in the log.
  test("starts with a WARN naming the connector and the listener keys", () => {
    const warned = warnings(false);
    expect(warned).toHaveLength(1);
    expect(warned[0]).toContain(`[telemetry] ${NO_CLIENT_CERTIFICATES}`);
  });

  test("no WARN when a listener asks for them or when it is not known", () => {
    expect(warnings(true)).toEqual([]);
    expect(warnings(undefined)).toEqual([]);
  });
});

describe("jwt or basic served by plain http ingest listeners other hosts reach (explore2 G6)", () => {
  let dir: TempDir;
  let credentials: string;
  beforeAll(async () => {
    dir = await tempDir("ingest-clear-text-");
    credentials = join(dir.path, "credentials");
    await Bun.write(credentials, `device-1:${await fastHash.bcrypt("pw")}\n`);
  });
  afterAll(() => dir[Symbol.asyncDispose]());
  const warnings = (methods: string, listeners: string[] | null) => {
    const lines: string[] = [];
    const logs = new LogManager({ sink: (line) => lines.push(line) });
    ingestAuthenticatorFrom(
      ingestAuthConfigDef.parse({
        "ingest.auth.methods": methods,
        ...complete,
        "ingest.auth.basic.credentials.file": credentials,
      }),
      {
        mtlsIdentity: "cn",
        logger: logs.get("auth"),
        connector: "telemetry",
        clearTextListeners: clearTextIngestListeners(
          listeners?.map((l) => parseListener("ingest.listeners", l)) ?? null,
        ),
      },
    );
    return lines.filter((l) => l.includes("WARN") && l.includes("plain http"));
  };

  test("a connector with jwt and basic starts with a WARN naming the methods and the listeners", () => {
    expect(warnings("jwt,basic", ["http://0.0.0.0:8080", "http://127.0.0.1:8081"])).toEqual([
      expect.stringContaining(
        "[telemetry] ingest.auth.methods lists jwt and basic, but the ingest listeners (http://0.0.0.0:8080) are plain http and none is https: devices' bearer tokens and passwords travel in clear text.",
      ),
    ]);
  });

  test("the default listener (ingest.listeners unset) is plain http on every interface", () => {
    expect(warnings("basic", null)).toEqual([expect.stringContaining("(http://:8080) are plain http")]);
  });

  // opsfix2 item 3: the WARN was skipped as soon as any https ingest listener existed.
  test("a plain listener other hosts reach beside an https one: a WARN naming the plain ones, the https one fine", () => {
    expect(warnings("jwt", ["http://:8080", "https://:8443", "http://127.0.0.1:8081"])).toEqual([
      expect.stringContaining(
        "[telemetry] ingest.auth.methods lists jwt, and the plain http ingest listener (http://:8080) other hosts reach serves it beside the https one (https://:8443): devices reaching it send their bearer tokens unencrypted; the https one is fine.",
      ),
    ]);
    expect(warnings("basic", ["http://0.0.0.0:8080", "http://10.0.0.5:8081", "https://:8443"])).toEqual([
      expect.stringContaining(
        "the plain http ingest listeners (http://0.0.0.0:8080, http://10.0.0.5:8081) other hosts reach serve it beside the https one (https://:8443): devices reaching them send their passwords unencrypted",
      ),
    ]);
    // review-secrets5 P3-5: worded for one https listener whatever their number.
    expect(warnings("jwt", ["http://:8080", "https://:8443", "https://:9443"])).toEqual([
      expect.stringContaining(
        "serves it beside the https ones (https://:8443, https://:9443): devices reaching it send their bearer tokens unencrypted; the https ones are fine.",
      ),
    ]);
  });

  test("no WARN with https and loopback plain listeners only, on loopback only, or for mtls alone", () => {
    expect(warnings("jwt", ["http://127.0.0.1:8080", "https://:8443"])).toEqual([]);
    expect(warnings("jwt,basic", ["http://127.0.0.1:8080", "http://[::1]:8081"])).toEqual([]);
    expect(warnings("mtls", ["http://:8080"])).toEqual([]);
    expect(warnings("mtls", ["http://:8080", "https://:8443"])).toEqual([]);
  });
});

test("jwt with an empty ingest.auth.jwt.algorithms fails the start naming the key (every token was 401)", () => {
  const { error } = start({ ...complete, "ingest.auth.jwt.algorithms": "" });
  expect(error).toBeInstanceOf(ConfigError);
  expect((error as Error).message).toBe(
    "Invalid value for configuration ingest.auth.jwt.algorithms: jwt needs at least one algorithm",
  );
});
