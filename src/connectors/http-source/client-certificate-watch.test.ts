import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { caDate, issueCert } from "../../../test/support/cert-authority.ts";
import { tempDir } from "../../../test/support/temp-dir.ts";
import { makeTls, TEST_CA } from "../../../test/support/tls.ts";
import { waitFor } from "../../../test/support/wait-for.ts";
import { DAY_MS } from "../../tls/certificate-validity.ts";
import { FastForwardClock, startTask } from "./test-support.ts";

// smallfix3 review: the source's running-task watch (page-fetcher.ts) had no test of its own.
test("a running source task WARNs when its key store's certificate enters its last 7 days and when it expires", async () => {
  await using dir = await tempDir("http-source-cert-watch-");
  await makeTls(dir.path);
  const start = Date.now();
  const cert = await issueCert(dir.path, TEST_CA, "soon-source", "soon-source", {
    startDate: caDate(start - DAY_MS),
    endDate: caDate(start + 10 * DAY_MS),
  });
  const store = dir.file("store.pem");
  await Bun.write(store, readFileSync(cert.key, "utf8") + readFileSync(cert.cert, "utf8"));
  // The watch's timers sleep on the task's clock, which jumps each sleep at once: both WARNs come
  // without waiting, and only through the running-task watch (at start the end is 10 days away).
  const h = await startTask(
    {
      "http.url": "https://127.0.0.1:1/e",
      "http.response.records.path": "$[*]",
      "http.ssl.enabled": "true",
      "http.ssl.keystore.location": store,
    },
    { clock: new FastForwardClock(start) },
  );
  const warnings = () => h.logs.filter((l) => l.includes("WARN") && l.includes("http.ssl.keystore.location: "));
  await waitFor(() => warnings().length === 2 || undefined, { what: "the WARNs of the last 7 days and the expiry" });
  expect(warnings()[0]).toContain("the key store's certificate CN=soon-source expires on ");
  expect(warnings()[1]).toContain("the key store's certificate CN=soon-source expired on ");
  await h.task.stop();
});
