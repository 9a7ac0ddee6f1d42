/**
 * HttpSourceTask: polls one HTTP endpoint on a schedule and turns the records of each response into
 * SourceRecords for `kafka.topic`.
 *
 * States: idle (waiting for the next scheduled poll) → polling (a run of pages, fetched back to
 * back, one page per `poll()` call, a large one in batches, so records reach Kafka as they come) →
 * idle; a poll that http.pagination.max.pages ends before a newest-first API's pages (CURSOR or
 * LINK_HEADER) reach the offset it started from is held at its next page instead, where the next scheduled poll goes on
 * (unread-gap.ts). `poll()` never waits longer than ~1 s and returns at once when the runtime's signal aborts
 * (pause or stop); an in-flight request is aborted then, and the page is fetched again on resume.
 * Each record carries the offset a restart needs (see offsets.ts); the runtime commits it once
 * Kafka acknowledged the record, so after a crash the task resumes with the first unacknowledged
 * record of its poll.
 *
 * Errors: a status in http.response.error.codes (default: ≥ 400) after retries, or a body that is
 * not JSON, goes to behavior.on.error (fail → the task FAILS with the status and redacted URL; log
 * / ignore → the poll stops at the failed page, whose earlier pages are never delivered again). After
 * a failure that may pass (408, 429, 5xx, too large, unreadable, a redirect not followed; also a 408,
 * 429 or 5xx outside the error codes, a warning) every scheduled poll retries that page; another
 * 4xx, or another status outside the error codes (a warning), ends the poll there as a pagination
 * stop does, the offset moving to the best reached (poll-run.ts afterFailedPage).
 * Connection and TLS failures, and an unreachable OAuth2 token endpoint, that outlast
 * http.retry.max.attempts fail the task with behavior.on.error=fail; with log / ignore every
 * scheduled poll retries the page, as after a 503, and so it does after the token endpoint refused
 * the credentials (a 4xx), as after the API's 401, or answered without a usable token (a 2xx that
 * is no token response), as after an unreadable page. The WARNs of such a page (each retry, each poll
 * that retries it) are logged at once, then each kind at most once a minute with the count of
 * those not logged (explore5 E4: an API down for days logged ~24 lines a minute).
 */
import type { Config, SourceOffsetUpdate, SourceTask, SourceTaskContext } from "../../api/connector.ts";
import type { SourceMap, SourceRecord } from "../../api/record.ts";
import { ConnectError } from "../../errors.ts";
import { HttpRedirectError, type HttpResponse, HttpResponseTooLargeError, redactUrl } from "../../http/http-client.ts";
import { type ShowUrl, shownUrl } from "../../http/shown-url.ts";
import { unverifiedEndpointWarning } from "../../http/tls-material.ts";
import { TokenRequestError } from "../../http/token-request-errors.ts";
import { PluginMetrics } from "../../metrics/plugin-metrics.ts";
import { sendRetryTrace } from "../../runtime/send-retry-trace.ts";
import { within } from "../../util/async.ts";
import { type Clock, momentOf } from "../../util/clock.ts";
import { type Logger, logManager } from "../../util/logger.ts";
import { type RepeatLimiter, taskWarnings, warnLimited } from "../../util/repeat-limiter.ts";
import { Slicer } from "../../util/sliced.ts";
import type { HttpSourceConfig } from "./config.ts";
import { checkedConfig } from "./config-rules.ts";
import { withoutEchoes } from "./echoed-secrets.ts";
import { type Behavior, bodySnippet, errorBehavior, errorStatus, passingStatus } from "./error-behavior.ts";
import { FinalOffset } from "./final-offset.ts";
import { holdHeaderSecrets, parseHeaders } from "./headers.ts";
import { inertOffsetKeysWarning } from "./inert-offset-keys.ts";
import { epochNanos } from "./instant.ts";
import { type Migration, migrationEntries, storedOffset } from "./offset-key-migration.ts";
import { withOffset } from "./offset-template.ts";
import { type OffsetValue, PARTITION_URL, type PageState, type Seen } from "./offsets.ts";
import {
  type HttpSourceMetrics,
  httpSourceMetrics,
  type PageFetcher,
  pageFetcherOf,
  UnreachableError,
  undecodable,
} from "./page-fetcher.ts";
import { afterPage, pageDigest, trimTrail } from "./page-guard.ts";
import { pageRequest } from "./page-request.ts";
import { PageWarnings } from "./page-warnings.ts";
import { firstPage, type PaginationSettings, paginationSettings } from "./pagination.ts";
import {
  afterFailedPage,
  finalOffset,
  finishPage,
  type MadeRecords,
  newRun,
  olderRecord,
  type PageContent,
  type PageRecordsOptions,
  pageRecords,
  pageRecordsOptions,
  type Run,
  readPage,
  resumeRun,
} from "./poll-run.ts";
import { ReadyRecords } from "./ready-records.ts";
import { ResponseFormatError } from "./records.ts";
import { restoredState } from "./restore.ts";
import { firstPoll, type Schedule, scheduleOf } from "./schedule.ts";
import { ignoredTlsWarning } from "./tls-keys.ts";
import { heldPollProgressed, leavesUnreadGap } from "./unread-gap.ts";

const MAX_IDLE_WAIT_MS = 1000;

export class HttpSourceTask implements SourceTask {
  private context!: SourceTaskContext;
  private c!: HttpSourceConfig;
  /** How messages show a request's URL: hidden past its origin when http.url came through a config provider. */
  private showUrl: ShowUrl = redactUrl;
  private log!: Logger;
  private clock!: Clock;
  private metrics!: HttpSourceMetrics;
  private fetcher!: PageFetcher;
  /** Repeated WARNs (retries, a page retried at every poll): each kind at most once a minute. */
  private repeated!: RepeatLimiter;
  private schedule!: Schedule;
  private pagination!: PaginationSettings;
  private pageOptions!: PageRecordsOptions;
  private behavior: Behavior = "fail";
  private headers: [string, string][] = [];
  private offset: OffsetValue = null;
  private offsetSeen: Seen = null;
  private run: Run | undefined;
  private warnings!: PageWarnings;
  /** When the next poll is due, on the schedule's reading of the clock (Schedule.now). */
  private due = 0;
  /** The page request in progress, possibly started by an earlier poll. */
  private pending: Promise<{ records: SourceRecord[] } | { error: unknown } | { aborted: true }> | undefined;
  private readonly stopped = new AbortController();
  private readonly final = new FinalOffset();
  /** Offsets found under the partition keys of earlier versions: moved and removed at the first commit. */
  private migration: Migration | undefined;
  /** The last record handed to the runtime. */
  private lastDelivered: SourceRecord | undefined;
  /** A held page showed the API's page tokens shift (restartShifted): no poll is held again. */
  private pagesShift = false;
  /** Records read, not yet handed out: a page goes in batches of at most MAX_BATCH_RECORDS. */
  private readonly ready = new ReadyRecords();

  initialize(context: SourceTaskContext): void {
    this.context = context;
  }

  async start(config: Config): Promise<void> {
    const c = checkedConfig(config, this.context.providedKeys);
    this.c = c;
    const urlFromProvider = this.context.providedKeys?.has("http.url") === true;
    this.showUrl = shownUrl(urlFromProvider);
    const name = this.context.connectorName;
    this.log = this.context.logger;
    this.clock = this.context.clock;
    this.metrics = httpSourceMetrics(this.context.pluginMetrics ?? new PluginMetrics());
    // Every counter shows from the start, at 0, so dashboards and rate() see the series.
    for (const counter of [this.metrics.requests, this.metrics.errors, this.metrics.records]) counter.inc({}, 0);
    this.pageOptions = pageRecordsOptions(c, this.clock);
    this.behavior = errorBehavior(c["behavior.on.error"], config);
    this.headers = parseHeaders(c["http.headers"] ?? "");
    this.pagination = paginationSettings(c);
    this.schedule = scheduleOf(c);
    this.repeated = taskWarnings(this.clock);
    this.warnings = new PageWarnings(this.pageOptions, this.log, this.repeated);
    this.fetcher = pageFetcherOf(c, {
      connector: name,
      clock: this.clock,
      log: this.log,
      metrics: this.metrics,
      warnings: this.repeated,
      failsAfterRetries: (response) => this.failsAfterRetries(response),
      urlFromProvider,
      tokenUrlFromProvider: this.context.providedKeys?.has("http.oauth2.token.url") === true,
      stopped: this.stopped.signal,
    });
    for (const warning of [ignoredTlsWarning(config, c["http.ssl.enabled"]), inertOffsetKeysWarning(c)])
      if (warning) this.log.warn(warning);
    if (!c["http.ssl.verification.enabled"])
      this.log.warn(unverifiedEndpointWarning("http.ssl.verification.enabled is false"));
    await this.restore();
    holdHeaderSecrets(this.headers, logManager, this.stopped.signal);
  }

  private async restore(): Promise<void> {
    const { partition } = this.pageOptions;
    const { stored, version, migration } = await storedOffset(
      this.context.offsetStorageReader,
      partition,
      this.c["http.url"],
    );
    this.migration = migration;
    if (version)
      this.log.info(`Continuing from the offset stored under the partition key of an earlier version (${version})`);
    if (migration)
      this.log.info(
        `Removing ${migration.removed.length} offset(s) stored under the partition keys of earlier versions at the first offset commit`,
      );
    const now = momentOf(this.clock);
    const r = restoredState(stored, this.c, this.pagination, this.pageOptions.mode, now);
    this.offset = r.offset;
    this.offsetSeen = r.offsetSeen;
    this.run = r.run;
    if (r.note) this.log[r.note.level](r.note.text);
    if (stored !== null) this.warnUntimedOffset();
    this.due = firstPoll(this.schedule, now, r);
  }

  /**
   * TIMESTAMP from a stored offset that is no timestamp (a text an earlier release read, such as
   * `…T24:00Z` or `…,5Z`, which Java refuses): every record with a timestamp is after it, so the
   * first poll delivers what the API answers, possibly again, and its newest record becomes the offset.
   */
  private warnUntimedOffset(): void {
    const { mode, instant = epochNanos, instantForm = "ISO-8601 or epoch" } = this.pageOptions;
    if (mode !== "TIMESTAMP" || this.offset === null || this.offset === "" || instant(this.offset) !== null) return;
    this.log.warn(
      `The stored offset ${JSON.stringify(String(this.offset).slice(0, 40))} is no timestamp (${instantForm}): every record with a timestamp is after it, so the next poll delivers the records the API answers (some possibly again) and the newest of them becomes the offset`,
    );
  }

  /**
   * While a request's attempts are retried: "Degraded: GET <url> has failed …" (EndpointDegradation),
   * as the HTTP sink's; while requests wait over a minute for the API's rate limit, until when.
   */
  degradedTrace(): string | null {
    return (
      this.fetcher?.degradation.trace ?? this.fetcher?.rateLimitTrace ?? sendRetryTrace(this.context?.sendRetry?.())
    );
  }

  /**
   * The next batch of the page read last (ready-records.ts); else the records of the next page with
   * new records fetched within ~1 s (pages with none are passed over). A page still in flight at the
   * deadline stays pending for the next poll; a failure after records is thrown by the poll after
   * they are all handed out, once they are on their way.
   */
  async poll(signal: AbortSignal): Promise<SourceRecord[] | null> {
    const active = AbortSignal.any([signal, this.stopped.signal]);
    const deadline = performance.now() + MAX_IDLE_WAIT_MS;
    while (!active.aborted && this.ready.empty) {
      if (!this.pending) {
        if (!this.run || this.run.suspended) {
          const wait = this.due - this.schedule.now(this.clock);
          if (wait > 0) {
            await this.clock.sleep(Math.min(wait, MAX_IDLE_WAIT_MS), active);
            if (this.due > this.schedule.now(this.clock) || active.aborted) return null;
          }
          this.run = this.run ? resumeRun(this.run, momentOf(this.clock)) : this.startRun();
        }
        this.pending = this.fetchInBackground(this.run, active);
      }
      const outcome = await within(this.pending, deadline - performance.now());
      if (outcome === undefined) break;
      this.pending = undefined;
      if ("error" in outcome) throw outcome.error;
      if ("records" in outcome) this.ready.add(outcome.records);
      if (!this.run) break;
    }
    const out = active.aborted ? null : this.ready.take();
    if (out) this.lastDelivered = out[out.length - 1];
    // The next page is fetched while the runtime sends the last batch of this one.
    if (this.ready.empty && this.run && !this.run.suspended && !this.pending && !active.aborted)
      this.pending = this.fetchInBackground(this.run, active);
    return out;
  }

  /** A response behavior.on.error handles: a status in http.response.error.codes, unless it says the rate limit is spent. */
  private errorResponse(response: HttpResponse): boolean {
    const status = errorStatus(response.status, this.c["http.response.error.codes"]);
    return status === "error" && !this.fetcher.rateLimited(response);
  }

  /**
   * Whether the attempts running out on `response` fail the task (undefined: no response, an
   * UnreachableError): only with behavior.on.error=fail, and not on a held page (its failure ends the
   * hold, pageFailed); else the next scheduled poll tries again.
   */
  private failsAfterRetries(response: HttpResponse | undefined): boolean {
    const held = this.run?.gap !== undefined;
    return this.behavior === "fail" && !held && (response === undefined || this.errorResponse(response));
  }

  private fetchInBackground(run: Run, signal: AbortSignal): NonNullable<typeof this.pending> {
    return this.fetchPage(run, signal).then(
      (records) => ({ records }),
      (error: unknown) => (signal.aborted ? { aborted: true as const } : { error }),
    );
  }

  private startRun(): Run {
    const base = withOffset(this.c["http.url"], this.offset, "url");
    return newRun(momentOf(this.clock), base, this.offset, this.offsetSeen, firstPage(this.pagination, base));
  }

  private endRun(run: Run): void {
    if (!run.last?.final)
      this.final.ended(run.last?.record ?? this.lastDelivered, finalOffset(run, this.pageOptions.mode));
    this.offset = run.best;
    this.offsetSeen = run.bestSeen;
    this.run = undefined;
    this.due = this.schedule.next(run.started);
  }

  /**
   * The run's page failed (`error`: a failure behavior.on.error handles, else a status outside the
   * error codes, always a warning). Unless it fails the task, the run waits to retry that page at
   * the next scheduled poll or ends here (afterFailedPage; `passing`: it may pass). Any failure of a
   * held run's page (unread-gap.ts: asked an interval after the page before it, its cursor or link
   * may have expired) ends the hold whatever behavior.on.error, and the next poll starts from the
   * first page, where a lasting failure is handled as on any first page: a held page is never
   * handled more harshly than the first page a poll at the cap would have gone back to.
   */
  private pageFailed(run: Run, reason: string, o: { error: boolean; passing: boolean; kind?: string }): void {
    const heldEnds = run.gap !== undefined;
    if (o.error && this.behavior === "fail" && !heldEnds) throw new ConnectError(`${reason} (behavior.on.error=fail)`);
    const retry = !heldEnds && afterFailedPage(o.passing) === "retry";
    run.suspended = retry;
    if (retry) this.due = this.schedule.next(run.started);
    else this.endRun(run);
    // Retries that outlasted the interval leave the next poll overdue: it happens now.
    const wait = Math.max(0, this.due - this.schedule.now(this.clock));
    const at = new Date(this.clock.now() + wait).toISOString();
    const then = retry
      ? `the next poll at ${at} retries this page`
      : `the poll ends here, the next poll at ${at} starts from the offset it reached; the pages after it are not read`;
    const message = heldEnds
      ? `${reason}; the poll held past http.pagination.max.pages ends here, the offset moves to the newest record delivered, the next poll at ${at} starts from the first page`
      : !o.error
        ? `${reason}; ${then}`
        : this.behavior === "log"
          ? `${reason}; skipped (behavior.on.error=log), ${then}`
          : undefined;
    if (message === undefined) return;
    // A page retried at every poll (an API down for days), or a poll ending at the same answer each
    // time (a 404 for good), warns at once, then once a minute.
    warnLimited(this.log, this.repeated, `page ${o.kind ?? reason}`, message);
  }

  /** Fetches the run's current page; returns its new records and moves the run on (or ends it). */
  private async fetchPage(run: Run, signal: AbortSignal): Promise<SourceRecord[]> {
    const request = pageRequest(this.c, this.headers, run.page.url, run.offset);
    const { method, url } = request;
    let response: Awaited<ReturnType<PageFetcher["fetch"]>>;
    try {
      response = await this.fetcher.fetch(request, signal);
    } catch (error) {
      if (signal.aborted) throw error;
      // An unreachable server fails the task only with behavior.on.error=fail: else the next
      // scheduled poll retries the page, as after a 503 (an edge device's link comes back). On a
      // held page it ends the hold (pageFailed).
      const unreachable = error instanceof UnreachableError && (this.behavior !== "fail" || run.gap !== undefined);
      // A redirect not followed (a loop, a Location that is no URL, https → http as a captive portal
      // answers) is the API's answer, unusable as an unreadable body is: behavior.on.error decides.
      const refused = error instanceof HttpRedirectError || error instanceof HttpResponseTooLargeError;
      if (refused || undecodable(error) || unreachable) {
        this.pageFailed(run, (error as Error).message, { error: true, passing: true });
        return [];
      }
      // The token endpoint refusing the client credentials is a refusal of the credentials, as the
      // API's 401 is, and its 2xx without a usable token an unreadable answer, as the API's: behavior.on.error
      // decides, and with log / ignore every poll retries the page (a client secret being rotated, an
      // endpoint misconfigured for a while), instead of failing the task whatever behavior.on.error.
      if (error instanceof TokenRequestError && (this.behavior !== "fail" || run.gap !== undefined)) {
        // One kind of WARN per page: an endpoint's error_description may carry a trace id and a time (Entra ID's do).
        const kind = `${method} ${this.showUrl(url)} not sent: no token`;
        this.pageFailed(run, `${method} ${this.showUrl(url)} not sent: ${error.message}`, {
          error: true,
          passing: true,
          kind,
        });
        return [];
      }
      throw error;
    }
    const status = errorStatus(response.status, this.c["http.response.error.codes"]);
    if (status !== "ok") {
      const tries = this.fetcher.attempts > 1 ? ` after ${this.fetcher.attempts} attempts` : "";
      const body = bodySnippet(response.body, this.fetcher.echoedSecrets(request));
      const reason = `HTTP ${response.status} from ${method} ${this.showUrl(url)}${tries}: ${body}`;
      // A 401, 408, 429 or 5xx outside the error codes may pass too, and so does a 429 or 403 saying the
      // rate limit is spent (GitHub's 403): the page is retried, not skipped (ending the poll there would move a
      // newest-first API's offset past its unread pages). A spent rate limit is no error even under
      // behavior.on.error=fail: the API says when to ask again.
      const passing = passingStatus(response.status) || this.fetcher.rateLimited(response);
      // The kind of WARN is the request and its status: an error body's request id or time differs each time.
      const kind = `HTTP ${response.status} from ${method} ${this.showUrl(url)}`;
      this.pageFailed(run, reason, { error: this.errorResponse(response), passing, kind });
      return [];
    }
    let page: PageContent;
    let next: Awaited<ReturnType<typeof readPage>>["next"];
    let json: unknown;
    // A large page is read in slices; a stop or pause between them drops it, the run untouched.
    const slicer = new Slicer(signal);
    try {
      ({ page, next, json } = await readPage(response, run, this.pageOptions, this.pagination, slicer));
    } catch (error) {
      if (!(error instanceof ResponseFormatError)) throw error;
      const why = withoutEchoes(error.message, this.fetcher.echoedSecrets(request));
      this.pageFailed(run, `Unreadable response from ${method} ${this.showUrl(url)}: ${why}`, {
        error: true,
        passing: true,
      });
      return [];
    }
    if (json !== undefined) this.warnings.observe(`${method} ${this.showUrl(url)}`, json, page);
    else if (response.status !== 204)
      this.log.debug(
        `${method} ${this.showUrl(url)}: HTTP ${response.status} with an empty body, a page without records`,
      );
    // Everything slow is done before the run or its trail change: a stop or a pause in the middle
    // of it leaves both as they were, and the page is read again.
    const digest = await pageDigest(response.body, page.elements, this.pagination.type === "OFFSET", slicer);
    const made = await pageRecords(run, page, this.pageOptions, slicer);
    const after = afterPage(run.trail, url, digest, run.page, next, this.pagination.maxPages, this.showUrl);
    for (const note of after.notes) this.log[note.level](note.text);
    const gap = !made.shifted && after.capped && this.heldAt(run, page, made, after.capped.warning);
    const records = after.deliver ? finishPage(run, made, (after.next === null || made.shifted) && !gap) : [];
    this.metrics.records.inc({}, records.length);
    if (made.shifted) this.restartShifted(run);
    else if (after.next) {
      run.page = after.next;
      run.skip = 0;
    } else if (gap) {
      this.holdRun(run, after.capped!.page);
      // Its last record says where the poll is held: a restart reads on from there.
      if (records.length > 0 && made.held) {
        records[records.length - 1] = made.held(run);
        run.last = { record: records[records.length - 1]!, final: false };
      }
    } else this.endRun(run);
    return records;
  }

  /**
   * Whether the run at http.pagination.max.pages is held there (unread-gap.ts): its newest-first
   * pages have not reached its start offset, and it got older since it was held last. Never with
   * OFFSET pagination: its positions shift with every record arriving, so under a steady inflow the
   * held page, asked an interval later, would be records already delivered, and the hold would lose
   * those a poll from the first page reads. Else logs why the poll ends here (`warning`: the cap's).
   */
  private heldAt(run: Run, page: PageContent, made: MadeRecords, warning: string): boolean {
    const read = this.pageOptions.instant;
    const unread =
      this.pagination.type !== "OFFSET" && !this.pagesShift && leavesUnreadGap(run.offset, run.best, page, read);
    if (unread && heldPollProgressed(run.gap, olderRecord(run.oldest, made.oldest), read)) return true;
    if (unread && run.gap !== undefined)
      this.log.warn(
        `The held poll read http.pagination.max.pages pages again without a record older than ${JSON.stringify(run.gap)}, the oldest it had delivered (the API ignores the page asked for, or new records shift its pages by what a poll reads): the poll ends here, the offset moves to the newest record delivered, ${JSON.stringify(run.best)}; older records not read by now are not read`,
      );
    else
      this.log.warn(
        this.pageOptions.mode === "TIMESTAMP"
          ? `${warning} and, with a TIMESTAMP offset, may never be (the offset moves to the newest record read)`
          : warning,
      );
    return false;
  }

  /**
   * The held run's page held records newer than the oldest it had delivered: the API's page tokens
   * shift with new records (a `?page=N` link, a position) as OFFSET's do, and the page, asked an
   * interval later, holds records delivered already. The hold ends, the offset moves to the newest
   * record delivered, and the same poll starts again from the first page, as a poll at the cap always
   * did; this task holds no poll again (unread-gap.ts).
   */
  private restartShifted(run: Run): void {
    this.endRun(run);
    this.run = this.startRun();
    if (this.pagesShift) return;
    this.pagesShift = true;
    this.log.warn(
      `The held poll's page holds records newer than ${JSON.stringify(run.gap)}, the oldest it had delivered: the API's pages shift with new records (their links or cursors name a position, not a record), so polls are not held at http.pagination.max.pages. The poll starts again from the first page, the offset moved to the newest record delivered, ${JSON.stringify(run.best)}; older records not read by now are not read`,
    );
  }

  /**
   * The run stopped by http.pagination.max.pages before its newest-first pages reached its start
   * offset waits at `next` for the next scheduled poll, which reads on from there (unread-gap.ts).
   */
  private holdRun(run: Run, next: PageState): void {
    run.gap = run.oldest!.value;
    trimTrail(run.trail, this.pagination.maxPages);
    run.page = next;
    run.skip = 0;
    run.trail.pages = 0;
    run.suspended = true;
    this.due = this.schedule.next(run.started);
    const at = new Date(this.clock.now() + Math.max(0, this.due - this.schedule.now(this.clock))).toISOString();
    this.log.info(
      `The poll's pages go back in time and have not reached the offset ${JSON.stringify(run.offset)} it started from: the next poll at ${at} reads on from the next page, and the offset stays there until they do (then it moves to the newest record delivered, ${JSON.stringify(run.best)})`,
    );
  }

  /** Kafka has them: a poll's final offset waiting for its last record may be committed (final-offset.ts). */
  commitRecords(records: ReadonlyArray<SourceRecord>): void {
    this.final.acknowledged(records);
  }

  /**
   * The poll's final offset once Kafka has its last record; and at the first commit, the migration
   * from earlier versions' keys (offset-key-migration.ts): the offset found under one, unless a
   * newer one (the final offset, a record's) is written in this commit, and a tombstone for each.
   */
  updateOffsets(staged: ReadonlyArray<{ partition: SourceMap }> = []): SourceOffsetUpdate[] | null {
    // After a failed or given-up batch the runtime stages the offsets of later records Kafka wrote without
    // commitRecords (source-acknowledgements.ts): they never supersede a final offset waiting here, which then replaces
    // their newer offset in the commit. A restart polls them again: duplicates, never loss.
    const { partition } = this.pageOptions;
    const migration = this.migration;
    this.migration = undefined;
    const final = this.final.take(partition);
    if (!migration) return final;
    const url = partition[PARTITION_URL];
    const newer = final !== null || staged.some((e) => e.partition[PARTITION_URL] === url);
    return [...(final ?? []), ...migrationEntries(partition, migration, newer)];
  }

  stop(): void {
    this.stopped.abort(new ConnectError("The task is stopping"));
  }
}
