/**
 * One timed connector run on a long-lived (warm) worker, for bench/throughput.ts:
 *   source: POST a FileStreamSource reading the input file into a fresh one-partition topic; done
 *           when the topic's end offset reaches the record count; checked: the end offset is
 *           exactly the record count once the connector is deleted (nothing lost, nothing doubled);
 *   sink:   POST a FileStreamSink reading a topic that holds the input into a fresh file; done when
 *           the file has the input's size; checked: the file is byte-identical to the input.
 * CPU is the worker's user + system time over the run; peak RSS is VmHWM, reset before the run
 * through /proc/<pid>/clear_refs (so it is the run's own peak, not an earlier run's).
 */
import { createHash } from "node:crypto";
import { createReadStream, existsSync, statSync, writeFileSync } from "node:fs";
import { type Admin, Kafka, logLevel } from "kafkajs";
import { pollUntil, requestJson } from "./http-probe.ts";
import { readCpuMs, readProcMemory } from "./proc-stats.ts";
import type { WorkerProcess } from "./worker-process.ts";

export interface Measurement {
  readonly records: number;
  readonly elapsedMs: number;
  readonly recordsPerSecond: number;
  /** CPU time of the measured process over the run (all threads). */
  readonly cpuMs: number;
  /** cpuMs ÷ elapsedMs: 1.0 is one core busy the whole time. */
  readonly cores: number;
  readonly peakRssKiB: number;
  readonly verified: string;
}

const STRING = "org.apache.kafka.connect.storage.StringConverter";

export function benchKafka(bootstrap: string): Kafka {
  return new Kafka({ clientId: "bench", brokers: [bootstrap], logLevel: logLevel.NOTHING });
}

export async function createTopic(kafka: Kafka, topic: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

const admins = new Map<Kafka, Promise<Admin>>();

/** Disconnects the shared admins (an open one keeps the benchmark process from exiting). */
export async function disconnectAdmins(): Promise<void> {
  const all = [...admins.values()];
  admins.clear();
  await Promise.allSettled(all.map(async (admin) => (await admin).disconnect()));
}

/** One connected admin per client, kept for the whole benchmark (polled every few ms). */
function sharedAdmin(kafka: Kafka): Promise<Admin> {
  let admin = admins.get(kafka);
  if (!admin) {
    const created = kafka.admin();
    admin = created.connect().then(() => created);
    admins.set(kafka, admin);
  }
  return admin;
}

export async function endOffset(kafka: Kafka, topic: string): Promise<number> {
  const offsets = await (await sharedAdmin(kafka)).fetchTopicOffsets(topic);
  return offsets.reduce((sum, p) => sum + Number(p.high), 0);
}

export function sha256(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash("sha256");
    createReadStream(path)
      .on("data", (chunk) => hash.update(chunk))
      .on("end", () => resolve(hash.digest("hex")))
      .on("error", reject);
  });
}

/** Resets the kernel's peak-RSS mark of `pid` (writing 5 to clear_refs, Linux ≥ 4.0). */
function resetPeakRss(pid: number): void {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, "5");
  } catch {
    // Not permitted: VmHWM then covers the whole process lifetime (said in the report).
  }
}

export interface RunContext {
  readonly worker: WorkerProcess;
  readonly base: string;
  readonly kafka: Kafka;
  readonly records: number;
  readonly timeoutMs: number;
}

async function connectorFailure(base: string, name: string): Promise<string | undefined> {
  const status = await requestJson("GET", `${base}/connectors/${name}/status`).catch(() => undefined);
  const body = status?.body as {
    connector?: { state?: string; trace?: string };
    tasks?: { state?: string; trace?: string }[];
  };
  const failed = [body?.connector, ...(body?.tasks ?? [])].find((s) => s?.state === "FAILED");
  return failed ? `connector ${name} FAILED: ${failed.trace ?? ""}` : undefined;
}

async function timed(
  ctx: RunContext,
  name: string,
  config: Record<string, string>,
  done: () => Promise<boolean>,
): Promise<{ elapsedMs: number; cpuMs: number; peakRssKiB: number }> {
  const pid = ctx.worker.pid;
  resetPeakRss(pid);
  const cpuBefore = readCpuMs(pid);
  const started = performance.now();
  const created = await requestJson("POST", `${ctx.base}/connectors`, { name, config });
  if (created.status !== 201)
    throw new Error(`POST /connectors answered ${created.status}: ${JSON.stringify(created.body)}`);
  let checks = 0;
  let failure: string | undefined;
  const finished = await pollUntil(
    async () => {
      if (++checks % 20 === 0) failure = await connectorFailure(ctx.base, name);
      return (await done()) ? performance.now() : undefined;
    },
    {
      timeoutMs: ctx.timeoutMs,
      intervalMs: 25,
      what: `connector ${name} to finish`,
      abortIf: () => failure ?? ctx.worker.exitedMessage(),
    },
  );
  const cpuMs = readCpuMs(pid) - cpuBefore;
  const peakRssKiB = readProcMemory(pid).hwmKiB;
  const deleted = await requestJson("DELETE", `${ctx.base}/connectors/${name}`, undefined, 60_000);
  if (deleted.status !== 204) throw new Error(`DELETE /connectors/${name} answered ${deleted.status}`);
  return { elapsedMs: finished - started, cpuMs, peakRssKiB };
}

function measurement(
  records: number,
  t: { elapsedMs: number; cpuMs: number; peakRssKiB: number },
  verified: string,
): Measurement {
  return {
    records,
    elapsedMs: t.elapsedMs,
    recordsPerSecond: (records * 1000) / t.elapsedMs,
    cpuMs: t.cpuMs,
    cores: t.cpuMs / t.elapsedMs,
    peakRssKiB: t.peakRssKiB,
    verified,
  };
}

/** FileStreamSource → Kafka; `topic` must not exist yet. */
export async function sourceRun(ctx: RunContext, name: string, input: string, topic: string): Promise<Measurement> {
  await createTopic(ctx.kafka, topic);
  const t = await timed(
    ctx,
    name,
    {
      "connector.class": "FileStreamSource",
      "tasks.max": "1",
      file: input,
      topic,
      "batch.size": "2000",
      "key.converter": STRING,
      "value.converter": STRING,
    },
    async () => (await endOffset(ctx.kafka, topic)) >= ctx.records,
  );
  const end = await endOffset(ctx.kafka, topic);
  if (end !== ctx.records) throw new Error(`${name}: topic ${topic} ends at ${end}, expected ${ctx.records}`);
  return measurement(ctx.records, t, `end offset ${end}`);
}

/** Kafka → FileStreamSink; `topic` holds exactly the input file's lines. */
export async function sinkRun(
  ctx: RunContext,
  name: string,
  topic: string,
  output: string,
  input: { size: number; sha256: string },
): Promise<Measurement> {
  const size = () => (existsSync(output) ? statSync(output).size : 0);
  const t = await timed(
    ctx,
    name,
    {
      "connector.class": "FileStreamSink",
      "tasks.max": "1",
      topics: topic,
      file: output,
      "key.converter": STRING,
      "value.converter": STRING,
    },
    async () => size() >= input.size,
  );
  const digest = await sha256(output);
  if (size() !== input.size || digest !== input.sha256)
    throw new Error(`${name}: output ${output} (${size()} bytes) differs from the input (${input.size} bytes)`);
  return measurement(ctx.records, t, "output identical to input (sha256)");
}
