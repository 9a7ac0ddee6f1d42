/**
 * HttpSourceTask: polls one HTTP endpoint on a schedule and turns the records of each response into
 * SourceRecords for `kafka.topic`.
 *
 * States: idle (waiting for the next scheduled poll) → polling (a run of pages, fetched back to
 * back, one page per `poll()` call so records reach Kafka as they come) → idle. `poll()` never
 * waits longer than ~1 s and returns at once when the runtime's signal aborts (pause or stop); an
 * in-flight request is aborted then, and the page is fetched again on resume. Each record carries
 * the offset a restart needs (see offsets.ts); the runtime commits it once Kafka acknowledged the
 * record, so after a crash the task resumes with the first unacknowledged record of its poll.
 *
 * Errors: a status in http.response.error.codes (default: ≥ 400) after retries, or a body that is
 * not JSON, goes to behavior.on.error (fail → the task FAILS with the status and redacted URL; log
 * / ignore → the poll ends, the offset stays, the next poll follows the schedule). Connection and
 * TLS failures that outlast http.retry.max.attempts fail the task.
 */
import type { Config, SourceTask, SourceTaskContext } from "../../api/connector.ts";
import type { SourceRecord } from "../../api/record.ts";
import { ConfigError, ConnectError } from "../../errors.ts";
import { HttpResponseTooLargeError, HttpTransportError, redactUrl } from "../../http/http-client.ts";
import { PluginMetrics } from "../../metrics/plugin-metrics.ts";
import { within } from "../../util/async.ts";
import type { Clock } from "../../util/clock.ts";
import { type Logger, logManager } from "../../util/logger.ts";
import { type HttpSourceConfig, httpSourceConfig } from "./config.ts";
import { crossKeyErrors } from "./config-rules.ts";
import { type Behavior, bodySnippet, errorBehavior, errorStatus } from "./error-behavior.ts";
import { isSensitiveHeader, parseHeaders } from "./headers.ts";
import { decodeOffset, type OffsetMode, type OffsetValue, sourcePartition } from "./offsets.ts";
import { type HttpSourceMetrics, httpSourceMetrics, type PageFetcher, pageFetcherOf } from "./page-fetcher.ts";
import { firstPage, nextPage, type PaginationSettings, paginationSettings } from "./pagination.ts";
import { pageRecords, type Run } from "./poll-run.ts";
import { parseJsonBody, ResponseFormatError, type SelectedRecord, selectRecords } from "./records.ts";
import { type Schedule, scheduleOf } from "./schedule.ts";

const MAX_IDLE_WAIT_MS = 1000;
/**
 * A poll gathers pages until it has this many records. One page per poll measured best: the
 * next page is fetched while the runtime sends the current one, and the runtime keeps several
 * sends in flight; gathering 5 pages per poll was not faster (bench/http-source.ts).
 */
const MAX_POLL_RECORDS = 1;

export class HttpSourceTask implements SourceTask {
  private context!: SourceTaskContext;
  private c!: HttpSourceConfig;
  private log!: Logger;
  private clock!: Clock;
  private metrics!: HttpSourceMetrics;
  private fetcher!: PageFetcher;
  private schedule!: Schedule;
  private pagination!: PaginationSettings;
  private mode: OffsetMode = "NONE";
  private behavior: Behavior = "fail";
  private headers: [string, string][] = [];
  private partition: Record<string, unknown> = {};
  private offset: OffsetValue = null;
  private run: Run | undefined;
  private due = 0;
  /** The page request in progress, possibly started by an earlier poll. */
  private pending: Promise<{ records: SourceRecord[] } | { error: unknown } | { aborted: true }> | undefined;
  private readonly stopped = new AbortController();

  initialize(context: SourceTaskContext): void {
    this.context = context;
  }

  async start(config: Config): Promise<void> {
    const c = httpSourceConfig.parse(config);
    const problems = crossKeyErrors(c);
    if (problems.length > 0)
      throw new ConfigError(
        problems.map((p) => `${p.key}: ${p.message}`).join("; "),
        new Map(problems.map((p) => [p.key, [p.message]])),
      );
    this.c = c;
    const name = config.name ?? "http-source";
    this.log = this.context.logger;
    this.clock = this.context.clock;
    this.metrics = httpSourceMetrics(this.context.pluginMetrics ?? new PluginMetrics());
    // Every counter shows from the start, at 0, so dashboards and rate() see the series.
    for (const counter of [this.metrics.requests, this.metrics.errors, this.metrics.records]) counter.inc({}, 0);
    this.mode = c["http.offset.mode"].toUpperCase() as OffsetMode;
    this.behavior = errorBehavior(c["behavior.on.error"], config);
    this.headers = parseHeaders(c["http.headers"] ?? "");
    for (const [header, value] of this.headers) {
      if (!isSensitiveHeader(header)) continue;
      // The whole value and the credential after its scheme ("Bearer <token>").
      logManager.registerSecret(value);
      logManager.registerSecret(value.split(/\s+/).at(-1) ?? value);
    }
    this.pagination = paginationSettings(c);
    this.schedule = scheduleOf(c);
    this.fetcher = pageFetcherOf(c, name, this.clock, this.log, this.metrics);
    this.partition = { ...sourcePartition(c["http.url"]) };
    await this.restore();
  }

  private async restore(): Promise<void> {
    const stored = await this.context.offsetStorageReader.offset(this.partition);
    const now = this.clock.now();
    if (stored === null) {
      this.offset = this.c["http.initial.offset"];
      this.due = this.schedule.first(now, undefined);
      return;
    }
    const decoded = decodeOffset(stored);
    this.offset = decoded.offset;
    if (decoded.resume) {
      this.log.info(
        `Resuming the interrupted poll at ${redactUrl(decoded.resume.page.url)} after ${decoded.resume.skip} records`,
      );
      this.run = {
        startedAt: decoded.pollTime ?? now,
        offset: decoded.offset,
        best: decoded.resume.nextOffset,
        page: decoded.resume.page,
        skip: decoded.resume.skip,
        visited: new Set(),
      };
    }
    this.due = this.schedule.first(now, decoded.pollTime);
  }

  /**
   * Records of the pages fetched back to back within ~1 s, up to MAX_POLL_RECORDS (pages with no
   * new record are passed over). A page still in flight at the deadline stays pending for the next
   * poll; a failure after records is thrown by the next poll, once those records are on their way.
   */
  async poll(signal: AbortSignal): Promise<SourceRecord[] | null> {
    const active = AbortSignal.any([signal, this.stopped.signal]);
    const deadline = performance.now() + MAX_IDLE_WAIT_MS;
    const out: SourceRecord[] = [];
    while (!active.aborted && out.length < MAX_POLL_RECORDS) {
      if (!this.pending) {
        if (!this.run) {
          if (out.length > 0) break;
          const wait = this.due - this.clock.now();
          if (wait > 0) {
            await this.clock.sleep(Math.min(wait, MAX_IDLE_WAIT_MS), active);
            if (this.due > this.clock.now() || active.aborted) return null;
          }
          this.run = this.startRun();
        }
        this.pending = this.fetchInBackground(this.run, active);
      }
      const outcome = await within(this.pending, deadline - performance.now());
      if (outcome === undefined) break;
      if ("error" in outcome) {
        // Deliver what came before the failure first; the next poll throws it.
        if (out.length > 0) break;
        this.pending = undefined;
        throw outcome.error;
      }
      this.pending = undefined;
      if ("records" in outcome) out.push(...outcome.records);
      if (!this.run) break;
    }
    // The next page is fetched while the runtime sends these records to Kafka.
    if (this.run && !this.pending && !active.aborted) this.pending = this.fetchInBackground(this.run, active);
    return out.length > 0 ? out : null;
  }

  private fetchInBackground(run: Run, signal: AbortSignal): NonNullable<typeof this.pending> {
    return this.fetchPage(run, signal).then(
      (records) => ({ records }),
      (error: unknown) => (signal.aborted ? { aborted: true as const } : { error }),
    );
  }

  private startRun(): Run {
    const startedAt = this.clock.now();
    const base = this.substitute(this.c["http.url"], true);
    return {
      startedAt,
      offset: this.offset,
      best: this.offset,
      page: firstPage(this.pagination, base),
      skip: 0,
      visited: new Set(),
    };
  }

  private endRun(run: Run): void {
    this.offset = run.best;
    this.run = undefined;
    this.due = this.schedule.next(run.startedAt);
  }

  private substitute(template: string, encode: boolean, offset = this.run?.offset ?? this.offset): string {
    const value = offset === null ? "" : String(offset);
    return template.replaceAll("${offset}", encode ? encodeURIComponent(value) : value);
  }

  /** Fetches the run's current page; returns its new records and moves the run on (or ends it). */
  private async fetchPage(run: Run, signal: AbortSignal): Promise<SourceRecord[]> {
    run.visited.add(run.page.url);
    const method = this.c["http.method"].toUpperCase();
    const body = this.c["http.request.body"];
    const url = run.page.url;
    let response: Awaited<ReturnType<PageFetcher["fetch"]>>;
    try {
      response = await this.fetcher.fetch(
        {
          method,
          url,
          headers: this.headers.map(([k, v]) => [k, this.substitute(v, false, run.offset)]),
          body: body === null ? undefined : this.substitute(body, false, run.offset),
        },
        signal,
      );
    } catch (error) {
      if (signal.aborted) throw error;
      if (error instanceof HttpResponseTooLargeError) {
        this.onError(error.message, run);
        this.endRun({ ...run, best: run.offset });
        return [];
      }
      if (error instanceof HttpTransportError)
        throw new ConnectError(
          `${method} ${redactUrl(url)} failed after ${this.c["http.retry.max.attempts"]} attempts: ${error.message}`,
          { cause: error },
        );
      throw error;
    }
    const status = errorStatus(response.status, this.c["http.response.error.codes"]);
    if (status !== "ok") {
      const reason = `HTTP ${response.status} from ${method} ${redactUrl(url)}: ${bodySnippet(response.body)}`;
      if (status === "error") this.onError(reason, run);
      else this.log.warn(`${reason}; the poll ends here`);
      this.endRun({ ...run, best: run.offset });
      return [];
    }
    let json: unknown;
    let elements: SelectedRecord[];
    try {
      const doc = parseJsonBody(response.body);
      json = doc.json;
      elements = selectRecords(doc, this.c["http.response.records.path"]);
    } catch (error) {
      if (!(error instanceof ResponseFormatError)) throw error;
      this.onError(`Unreadable response from ${method} ${redactUrl(url)}: ${error.message}`, run);
      this.endRun({ ...run, best: run.offset });
      return [];
    }
    let next = nextPage(this.pagination, run.page, { headers: response.headers, json, recordCount: elements.length });
    if (next && (run.visited.has(next.url) || (next.cursor !== undefined && next.cursor === run.page.cursor))) {
      this.log.warn(`Pagination does not advance (${redactUrl(next.url)} again): the poll ends here`);
      next = null;
    }
    const records = pageRecords(run, elements, next === null, {
      mode: this.mode,
      field: this.c["http.offset.field"],
      partition: this.partition,
      topic: this.c["kafka.topic"],
      clock: this.clock,
    });
    this.metrics.records.inc({}, records.length);
    if (next) {
      run.page = next;
      run.skip = 0;
    } else this.endRun(run);
    return records;
  }

  private onError(reason: string, run: Run): void {
    if (this.behavior === "fail") throw new ConnectError(`${reason} (behavior.on.error=fail)`);
    if (this.behavior === "log")
      this.log.warn(
        `${reason}; skipped (behavior.on.error=log), next poll at ${new Date(this.schedule.next(run.startedAt)).toISOString()}`,
      );
  }

  stop(): void {
    this.stopped.abort(new ConnectError("The task is stopping"));
  }
}
