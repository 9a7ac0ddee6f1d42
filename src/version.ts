/**
 * Versions the gateway reports. `CONNECT_VERSION` is the Apache Kafka Connect release whose REST
 * surface the worker implements (4.3: no `tasks-config`, KIP-891 `version` in statuses and
 * `*.plugin.version` keys); REST clients
 * feature-detect on it, so `GET /` and the Apache-named plugins report it. The gateway's own
 * version comes from package.json and is what `gateway --version` prints.
 */
import pkg from "../package.json" with { type: "json" };

export const CONNECT_VERSION = "4.3.1";
export const GATEWAY_VERSION: string = pkg.version;

/**
 * The 16-hex-digit commit id for `GET /`: `scripts/build` bakes the checkout's HEAD in with
 * --define; run from the sources, it is read from the same git checkout, so both report the same.
 */
declare const GATEWAY_COMMIT: string | undefined;
export const COMMIT_ID: string =
  typeof GATEWAY_COMMIT === "string" ? GATEWAY_COMMIT : (process.env.GATEWAY_COMMIT ?? sourceCommit());

function sourceCommit(): string {
  try {
    const git = Bun.spawnSync(["git", "-C", import.meta.dir, "rev-parse", "HEAD"], { stderr: "ignore" });
    const head = git.exitCode === 0 ? git.stdout.toString().trim() : "";
    return /^[0-9a-f]{40}$/.test(head) ? head.slice(0, 16) : "0000000000000000";
  } catch {
    return "0000000000000000";
  }
}
