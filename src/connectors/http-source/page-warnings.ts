/**
 * The HTTP source's warnings about pages that do not fit its config, which fail nothing and would
 * otherwise pass unnoticed: `http.response.records.path` finds nothing to select in the response
 * (its array, or whatever it selects from, is absent or a plain value: an API answering an error
 * document with 200, or a path that does not match the API), and `http.offset.field` gives no string or number for
 * some records (with CURSOR the offset never moves past them: each poll fetches them again), or, with
 * TIMESTAMP, a text that is no timestamp as the offset is read (`n/a`, `31/12/2024` without a pattern:
 * such records are delivered at every poll). One WARN per episode: said when a condition starts, again
 * only after a page without it, and each kind at most once a minute (the task's RepeatLimiter: a
 * paginated API whose last page is empty ends an episode at every poll), saying how many were not
 * logged. And once a task run, with TIMESTAMP read without castorm's parser keys: the offset field
 * holds a numeric date with the year last (`12/31/2024`), which instant.ts reads month first, so the
 * operator of an API that means day first learns to set the pattern. The offset fields' instants are
 * those pageContent read (PageContent.instants, page-instants.ts): none is read again here. Used by
 * HttpSourceTask after each page it reads.
 */

import { JsonNumberText } from "../../api/data/json-reader.ts";
import type { Logger } from "../../util/logger.ts";
import { type RepeatLimiter, warnLimited } from "../../util/repeat-limiter.ts";
import { hasYearLastDate } from "./instant.ts";
import type { PageContent, PageRecordsOptions } from "./poll-run.ts";
import { selectAll } from "./records.ts";

/** Whatever `path` selects its records from: the path without a trailing `[*]` or `.*`. */
function containerPath(path: string): string | undefined {
  const m = /^(.*?)(?:\[\*\]|\.\*)$/.exec(path);
  return m && m[1] !== "" ? m[1] : undefined;
}

/**
 * What the response has where `path` selects its records from, when that is why it selected
 * nothing: no value there, or only a string, number or boolean (an array was expected: `$.data[*]`
 * on `{"data": 5}`); undefined when it selected nothing from an empty array or object, or null
 * (how some APIs say "no results"; `$.data` on `{"data": null}` as well: records.ts).
 */
function nothingToSelect(json: unknown, path: string): string | undefined {
  const container = containerPath(path);
  if (container === undefined) return nullThere(json, path) ? undefined : "no value there";
  let found: unknown[];
  try {
    found = selectAll(json, container);
  } catch {
    return `nothing at ${container}`;
  }
  if (found.length === 0) return `nothing at ${container}`;
  const scalar = (v: unknown) => v !== null && (typeof v !== "object" || v instanceof JsonNumberText);
  if (!found.every(scalar)) return undefined;
  const kind = found[0] instanceof JsonNumberText || typeof found[0] === "bigint" ? "number" : typeof found[0];
  return `a ${kind} at ${container}, not an array or object`;
}

/** Whether `path` selects a JSON null in `json` (a path of one value that selected no record). */
function nullThere(json: unknown, path: string): boolean {
  try {
    return selectAll(json, path).some((v) => v === null);
  } catch {
    return false;
  }
}

/** Characters of a field's text a WARN shows. */
const MAX_SHOWN = 40;
const PATTERN_KEY = "http.response.record.timestamp.parser.pattern";

type Kind = "records" | "offset" | "timestamp" | "month-first";

/** `text` as a WARN shows it: quoted, at most MAX_SHOWN characters. */
const shown = (text: string | undefined) => JSON.stringify(text?.slice(0, MAX_SHOWN));

export class PageWarnings {
  private readonly ongoing = new Set<Kind>();

  constructor(
    private readonly o: PageRecordsOptions,
    private readonly log: Logger,
    /** The task's repeated WARNs (`taskWarnings`): each kind here at most once a minute. */
    private readonly repeated: RepeatLimiter,
  ) {}

  /** After reading a page of the request `where` (method and redacted URL) whose JSON is `json`. */
  observe(where: string, json: unknown, page: PageContent): void {
    const path = this.o.recordsPath;
    const nothing = page.elements.length === 0 ? nothingToSelect(json, path) : undefined;
    this.episode(
      "records",
      nothing !== undefined,
      () =>
        `http.response.records.path ${path} selects nothing in the response of ${where}: the response has ${nothing} (an error document answered with a success status, or a path that does not fit the API?); the page has no records`,
    );
    const field = this.o.mode === "NONE" ? null : this.o.offsetField;
    const missing = field === null ? 0 : page.values.reduce<number>((n, v) => (v === null ? n + 1 : n), 0);
    this.episode(
      "offset",
      missing > 0,
      () =>
        `http.offset.field ${field} gives no string or number in ${missing} of ${page.elements.length} records of ${where}: ${
          this.o.mode === "CURSOR"
            ? "they do not move the cursor (if the last records lack it, the next poll starts from the same cursor and fetches them again)"
            : "they do not move the offset"
        }`,
    );
    const untimed = this.untimed(page);
    this.episode(
      "timestamp",
      untimed.count > 0,
      () =>
        `http.offset.field ${field} is no timestamp (${this.o.instantForm ?? "ISO-8601 or epoch"}) in ${untimed.count} of ${page.elements.length} records of ${where}, such as ${shown(untimed.first)}: they are delivered at every poll and do not move the offset${
          !hasYearLastDate(untimed.first ?? "")
            ? ""
            : this.o.parserKeys
              ? `; does ${PATTERN_KEY} fit the API's text, the day or the month first?`
              : `; without ${PATTERN_KEY} a numeric date with the year last is read month first (MM/dd/yyyy): set it to the API's form (dd/MM/yyyy for the day first)`
        }`,
    );
    const monthFirst = this.monthFirst(page);
    this.episode(
      "month-first",
      monthFirst !== undefined,
      () =>
        `http.offset.field ${field} holds a numeric date with the year last, such as ${shown(monthFirst)} in a record of ${where}: without ${PATTERN_KEY} it is read month first (MM/dd/yyyy); if the API means the day first, set ${PATTERN_KEY} to its form (dd/MM/yyyy, dd/MM/yyyy HH:mm:ss). Said once a task run`,
      false,
    );
  }

  /**
   * With TIMESTAMP read without parser keys, the first offset field text holding a numeric date with
   * the year last that was read (month first), by the instants pageContent read (none read here).
   */
  private monthFirst(page: PageContent): string | undefined {
    const instants = this.timestamps(page);
    if (instants === undefined || this.o.parserKeys || this.ongoing.has("month-first")) return undefined;
    return page.values.find(
      (value, i): value is string => typeof value === "string" && instants[i] !== null && hasYearLastDate(value),
    );
  }

  /** With TIMESTAMP, the records whose offset field is a text or number that is no timestamp: how many, and the first. */
  private untimed(page: PageContent): { count: number; first?: string } {
    const instants = this.timestamps(page);
    if (instants === undefined) return { count: 0 };
    let count = 0;
    let first: string | undefined;
    page.values.forEach((value, i) => {
      if (value !== null && instants[i] === null) {
        count++;
        first ??= String(value);
      }
    });
    return { count, first };
  }

  /** With TIMESTAMP read by the task's reader, the instants of the page's offset fields (PageContent.instants). */
  private timestamps(page: PageContent): readonly (bigint | null)[] | undefined {
    return this.o.mode === "TIMESTAMP" && this.o.instant !== undefined ? page.instants : undefined;
  }

  /** A WARN when `kind` starts to hold; `ends`: false for one that is said once a task run. */
  private episode(kind: Kind, holds: boolean, message: () => string, ends = true): void {
    if (!holds) {
      if (ends) this.ongoing.delete(kind);
      return;
    }
    if (this.ongoing.has(kind)) return;
    this.ongoing.add(kind);
    warnLimited(this.log, this.repeated, `page warning ${kind}`, message());
  }
}
