/**
 * The HTTP limit for bench/ingest.ts: a bare hono app on Bun.serve that answers every POST with
 * 200 and does nothing else (no body parsing, no Kafka). Usage: bun hono-200.ts <port>
 */
import { Hono } from "hono";

const app = new Hono();
app.post("*", (c) => c.body(null, 200));
Bun.serve({ hostname: "127.0.0.1", port: Number(process.argv[2]), fetch: app.fetch });
