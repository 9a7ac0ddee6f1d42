/**
 * The HTTP source's offset: what `${offset}` is, how it advances, and how it is stored as the
 * Connect source offset of the connector's one partition `{"url": <http.url, secrets hidden>}`, its key
 * versioned and each version frozen (offset-key.ts): the masking of logs may change, a key never does.
 *
 * Stored offset (every record carries one; the runtime commits the last acknowledged):
 *   `offset`     the offset the current poll started from (between polls: the next poll's offset)
 *   `poll_time`  when that poll started (epoch ms): the schedule resumes from it after a restart
 *   `offset_mode` the http.offset.mode it was written under: an offset NONE wrote is the offset it
 *                sent, no position reached (restore.ts); absent in offsets of earlier versions and in
 *                ones set through REST without it, which are positions as before
 *   `offset_seen` TIMESTAMP with http.record.key.field: fingerprints of the keys of the records
 *                delivered whose field is the offset's own instant (see `isNewRecord`); absent
 *                without a key field, when unknown (offsets of earlier versions, http.initial.offset,
 *                an offset set through REST) or past MAX_SEEN records
 * and, while a poll is between pages (the record is not the poll's last, or the poll is held past
 * http.pagination.max.pages with a newest-first API's older pages unread, unread-gap.ts):
 *   `next_offset` the offset the poll will end with, as far as it got (`next_seen`: as offset_seen)
 *   `skip`       how many records of the record's page are already delivered
 *   `gap_oldest` while a poll is held (unread-gap.ts): the oldest record it delivered; records at
 *                or after its instant are not delivered again by the held poll
 *   `page_offset` the offset the poll started from: the page and skip are resumed only by a poll that
 *                starts from it again (restore.ts; absent in offsets of earlier versions)
 *   the page's pagination state: `page_position` (OFFSET), `page_cursor` (CURSOR), or `page_link`
 *                and `page_link_params` (LINK_HEADER, page-link.ts); none for a poll's first page
 * so a restart mid-poll refetches that page, skips what Kafka has, and goes on with the next pages
 * instead of losing the rest of the poll. The page's URL is rebuilt from the current http.url, so
 * what http.url's user info and query carry (keys, passwords) is never stored, nor its path when the
 * page has the same (a key in the path of a link to another path is: page-link.ts). Offsets of earlier versions stored
 * `page_url` instead: still read (as `legacyUrl`), never logged. A partition keyed by an earlier key
 * version is read when the current key has none, and moved to the current key at the first commit
 * (offset-key-migration.ts). Operators edit it with
 * PATCH /connectors/{c}/offsets:
 * `{"offset": "2024-05-01T00:00:00Z"}` is enough.
 */
import { JavaDouble } from "../../api/data/java-double.ts";
import type { SourceMap } from "../../api/record.ts";
import { ConnectError } from "../../errors.ts";
import { HIDDEN } from "../../util/logger.ts";
import { OFFSET_MODES } from "./config.ts";
import { epochNanos } from "./instant.ts";
import { EARLIER_OFFSET_KEYS, offsetKey } from "./offset-key.ts";
import { type InstantReader, type OffsetRefusal, offsetRefusal } from "./timestamp-reader.ts";

export type OffsetMode = "NONE" | "TIMESTAMP" | "CURSOR";
/** A long integer (beyond ±2^53) is kept as the string of its digits, so it never loses precision. */
export type OffsetValue = string | number | null;

export const PARTITION_URL = "url";

/** Where a page is in its poll: what the stored offset keeps of it. */
export interface StoredPage {
  readonly cursor?: string;
  readonly position?: number;
  /** LINK_HEADER: the page's path and query without http.url's parameters (page-link.ts). */
  readonly link?: string;
  readonly linkParams?: readonly string[];
  /** The `page_url` an earlier version stored. */
  readonly legacyUrl?: string;
}

/** A page of a poll: its URL and its pagination state. */
export interface PageState extends StoredPage {
  readonly url: string;
}

/**
 * TIMESTAMP: fingerprints (records.ts keyFingerprint) of the keys of the records already delivered
 * whose field is the offset's own instant; null when unknown.
 */
export type Seen = readonly string[] | null;

/** At most this many fingerprints are kept; past it, records at the offset's instant are not new. */
export const MAX_SEEN = 1000;

export interface StoredOffset {
  readonly offset: OffsetValue;
  /** The mode it was written under; undefined when unknown (earlier versions, REST). */
  readonly mode?: OffsetMode;
  readonly seen?: Seen;
  readonly pollTime?: number;
  /** Present while a poll is between pages. */
  readonly resume?: {
    readonly nextOffset: OffsetValue;
    readonly nextSeen?: Seen;
    readonly page: StoredPage;
    readonly skip: number;
    /** The offset the page's poll started from; undefined when unknown (earlier versions, REST). */
    readonly pageOffset?: OffsetValue;
    /** A poll held past http.pagination.max.pages: the oldest record it delivered (unread-gap.ts). */
    readonly gapOldest?: OffsetValue;
  };
}

export function sourcePartition(url: string): SourceMap {
  return { [PARTITION_URL]: offsetKey(url) };
}

export function encodeOffset(o: StoredOffset): SourceMap {
  const out: Record<string, unknown> = { offset: o.offset };
  if (o.mode !== undefined) out.offset_mode = o.mode;
  if (o.seen) out.offset_seen = o.seen;
  if (o.pollTime !== undefined) out.poll_time = o.pollTime;
  if (o.resume) {
    const page = o.resume.page;
    out.next_offset = o.resume.nextOffset;
    if (o.resume.nextSeen) out.next_seen = o.resume.nextSeen;
    if (page.position !== undefined) out.page_position = page.position;
    if (page.cursor !== undefined) out.page_cursor = page.cursor;
    if (page.link !== undefined) out.page_link = page.link;
    if (page.linkParams !== undefined) out.page_link_params = [...page.linkParams];
    out.skip = o.resume.skip;
    if (o.resume.pageOffset !== undefined) out.page_offset = o.resume.pageOffset;
    if (o.resume.gapOldest !== undefined) out.gap_oldest = o.resume.gapOldest;
  }
  return out;
}

function offsetValue(value: unknown, name: string): OffsetValue {
  if (value === null || value === undefined) return null;
  if (typeof value === "string") return value;
  // A number with a fraction or exponent written through the REST API is a JavaDouble.
  const n = value instanceof JavaDouble ? value.value : value;
  if (typeof n === "number" && Number.isFinite(n)) return n;
  if (typeof value === "bigint") return value.toString();
  throw new ConnectError(`The '${name}' of an HTTP source offset must be a string, a number or null`);
}

function offsetMode(value: unknown): OffsetMode | undefined {
  if (value === null || value === undefined) return undefined;
  const mode = OFFSET_MODES.find((m) => typeof value === "string" && m === value.toUpperCase());
  if (mode === undefined)
    throw new ConnectError("The 'offset_mode' of an HTTP source offset must be NONE, TIMESTAMP or CURSOR");
  return mode;
}

function nonNegativeInt(value: unknown, name: string): number {
  const n = typeof value === "bigint" ? Number(value) : value instanceof JavaDouble ? value.value : value;
  if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0)
    throw new ConnectError(`The '${name}' of an HTTP source offset must be a non-negative integer`);
  return n;
}

function text(value: unknown, name: string): string {
  if (typeof value !== "string") throw new ConnectError(`The '${name}' of an HTTP source offset must be a string`);
  return value;
}

function texts(value: unknown, name: string): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string"))
    throw new ConnectError(`The '${name}' of an HTTP source offset must be a list of strings`);
  return value;
}

/** Reads a stored offset; throws a ConnectError with the reason when it is malformed. */
export function decodeOffset(map: SourceMap): StoredOffset {
  if (!("offset" in map)) throw new ConnectError("An HTTP source offset must be null or contain the key 'offset'");
  const offset = offsetValue(map.offset, "offset");
  const pollTime = map.poll_time === undefined ? undefined : nonNegativeInt(map.poll_time, "poll_time");
  const seen = map.offset_seen == null ? null : texts(map.offset_seen, "offset_seen");
  const mode = offsetMode(map.offset_mode);
  const at = { offset, ...(mode ? { mode } : {}), seen, pollTime };
  const legacy = map.page_url !== undefined && map.page_url !== null;
  if (!legacy && (map.skip === undefined || map.skip === null)) {
    // page_offset and gap_oldest belong to an interrupted poll: without its skip count there is none.
    for (const key of ["page_offset", "gap_oldest"])
      if (map[key] !== undefined && map[key] !== null)
        throw new ConnectError(`The '${key}' of an HTTP source offset needs the 'skip' of its interrupted poll`);
    return at;
  }
  if (legacy && typeof map.page_url !== "string")
    throw new ConnectError("The 'page_url' of an HTTP source offset must be a string");
  const page: StoredPage = {
    ...(typeof map.page_cursor === "string" ? { cursor: map.page_cursor } : {}),
    ...(map.page_position !== undefined ? { position: nonNegativeInt(map.page_position, "page_position") } : {}),
    ...(map.page_link !== undefined ? { link: text(map.page_link, "page_link") } : {}),
    ...(map.page_link_params !== undefined ? { linkParams: texts(map.page_link_params, "page_link_params") } : {}),
    ...(legacy ? { legacyUrl: map.page_url as string } : {}),
  };
  return {
    ...at,
    resume: {
      nextOffset: offsetValue(map.next_offset, "next_offset"),
      nextSeen: map.next_seen == null ? null : texts(map.next_seen, "next_seen"),
      page,
      skip: map.skip === undefined ? 0 : nonNegativeInt(map.skip, "skip"),
      ...(map.page_offset !== undefined ? { pageOffset: offsetValue(map.page_offset, "page_offset") } : {}),
      ...(map.gap_oldest != null ? { gapOldest: offsetValue(map.gap_oldest, "gap_oldest") } : {}),
    },
  };
}

/** Whether two offsets are the same value (a long integer read back as its digits is its number). */
export function sameOffset(a: OffsetValue, b: OffsetValue): boolean {
  return a === b || (a !== null && b !== null && String(a) === String(b));
}

/**
 * Order of two TIMESTAMP offsets: by the exact instant when both are timestamps (instant.ts), else
 * as text; a text that is not a timestamp comes before every timestamp, so one record's `"n/a"`
 * never becomes the offset of timestamps (every later timestamp would sort below it as text).
 */
export function compareOffsets(a: OffsetValue, b: OffsetValue, read: InstantReader = epochNanos): number {
  if (a === null || a === "") return b === null || b === "" ? 0 : -1;
  if (b === null || b === "") return 1;
  const ea = read(a);
  const eb = read(b);
  if (ea !== null && eb !== null) return ea < eb ? -1 : ea > eb ? 1 : 0;
  if (ea !== null || eb !== null) return ea !== null ? 1 : -1;
  const sa = String(a);
  const sb = String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

/**
 * The offset after a record whose offset field holds `value`. CURSOR here is the rule for opaque
 * cursors; poll-run.ts advances a CURSOR by cursor-offset.ts, which compares numbers and timestamps.
 */
export function advanceOffset(
  mode: OffsetMode,
  current: OffsetValue,
  value: OffsetValue,
  read: InstantReader = epochNanos,
): OffsetValue {
  if (mode === "NONE" || value === null) return current;
  if (mode === "CURSOR") return value;
  return compareOffsets(value, current, read) > 0 ? value : current;
}

/**
 * TIMESTAMP: a record is new when its field is after the poll's starting offset (or it has none, or
 * one that is not a timestamp while the offset is), or at the offset's own instant and its key is not among those delivered at that instant (`seen`;
 * `print`: the fingerprint of the record's key, undefined without one): an API asked for
 * `since=${offset}` answers the records at that instant again, and one added there since the last
 * poll is new. castorm's OffsetRecordFilterFactory also goes by the record key (the last one's);
 * a set of keys does not depend on the order of the response. Keys, not texts: a record whose text
 * changes per response (a signed URL, a `served_at`) is still the same record. With no key (no
 * `print`, a record without one) or `seen` unknown (null), a record at the offset's own instant is
 * not new, as before.
 */
export function isNewRecord(
  mode: OffsetMode,
  pollOffset: OffsetValue,
  value: OffsetValue,
  seen: Seen = null,
  print?: () => string | undefined,
  read: InstantReader = epochNanos,
): boolean {
  if (mode !== "TIMESTAMP" || value === null || pollOffset === null || pollOffset === "") return true;
  // A field that is not a timestamp, where the offset is one, is as no field: the record is new.
  if (read(value) === null && read(pollOffset) !== null) return true;
  const order = compareOffsets(value, pollOffset, read);
  if (order !== 0) return order > 0;
  if (seen === null || print === undefined) return false;
  const fingerprint = print();
  return fingerprint !== undefined && !seen.includes(fingerprint);
}

/**
 * TIMESTAMP: the fingerprints at the best offset after a record whose field is `value` moved the
 * best offset from `before` to `after`: the record key's alone when it set a later best (none for a
 * record without a key), added when it is at the best's instant (null past MAX_SEEN), unchanged
 * otherwise.
 */
export function seenAfter(
  seen: Seen,
  before: OffsetValue,
  after: OffsetValue,
  value: OffsetValue,
  print: () => string | undefined,
  read: InstantReader = epochNanos,
): Seen {
  if (value === null || compareOffsets(value, after, read) !== 0) return seen;
  const fingerprint = print();
  if (compareOffsets(after, before, read) > 0) return fingerprint === undefined ? [] : [fingerprint];
  if (seen === null || fingerprint === undefined || seen.includes(fingerprint)) return seen;
  return seen.length < MAX_SEEN ? [...seen, fingerprint] : null;
}

/** The stored offset without the keys seen: for a task without http.record.key.field. */
export function withoutSeen(stored: StoredOffset): StoredOffset {
  return { ...stored, seen: null, ...(stored.resume ? { resume: { ...stored.resume, nextSeen: null } } : {}) };
}

/** How a config reads TIMESTAMP offsets (timestamp-reader.ts), each part defaulting to the reading without parser keys. */
export interface TimestampReading {
  readonly read?: InstantReader;
  /** What `read` reads, in words (timestampForm). */
  readonly form?: string;
  readonly refusal?: OffsetRefusal;
}

/**
 * Checks offsets written through the REST API (the connector's alterOffsets). `initial` is
 * http.initial.offset, undefined when unknown (a config provider reference in it).
 */
export function validateAlteredOffsets(
  mode: OffsetMode | undefined,
  offsets: ReadonlyArray<{ partition: SourceMap; offset: SourceMap | null }>,
  reading: TimestampReading = {},
  initial?: string,
): void {
  const { read = epochNanos, form = "ISO-8601 or epoch", refusal = offsetRefusal() } = reading;
  for (const { partition, offset } of offsets) {
    if (!(PARTITION_URL in partition) || typeof partition[PARTITION_URL] !== "string")
      throw new ConnectError(`Partition objects should contain the key '${PARTITION_URL}' with the connector's URL`);
    if (offset === null) continue;
    const decoded = decodeOffset(offset);
    // Refused, not ignored: a task reads an offset written under another mode as none (restore.ts).
    if (mode !== undefined && decoded.mode !== undefined && decoded.mode !== mode)
      throw new ConnectError(
        `The 'offset_mode' ${decoded.mode} of an HTTP source offset is not http.offset.mode=${mode}: the offset was written under ${decoded.mode}; leave out offset_mode to set a position for ${mode}`,
      );
    // Refused, not ignored: an offset marked NONE is what NONE sent, replaced by http.initial.offset (restore.ts).
    if (decoded.mode === "NONE" && initial !== undefined && !sameOffset(decoded.offset, initial))
      throw new ConnectError(
        `The 'offset' ${JSON.stringify(decoded.offset)} with 'offset_mode' NONE is not http.initial.offset (${JSON.stringify(initial)}): under NONE it would be ignored; leave out offset_mode to send this offset at the next poll, or edit http.initial.offset to send it at every poll`,
      );
    const gapOldest = decoded.resume?.gapOldest;
    if (gapOldest !== undefined && (mode !== "TIMESTAMP" || read(gapOldest) === null))
      throw new ConnectError(
        `The 'gap_oldest' ${JSON.stringify(gapOldest)} of an HTTP source offset must be a timestamp (${form}) under http.offset.mode=TIMESTAMP`,
      );
    if (mode !== "TIMESTAMP" || decoded.offset === null || decoded.offset === "") continue;
    if (read(decoded.offset) === null)
      throw new ConnectError(
        `The 'offset' ${JSON.stringify(decoded.offset)} is not a timestamp (${form}) as http.offset.mode=TIMESTAMP needs`,
      );
    const refused = typeof decoded.offset === "string" ? refusal(decoded.offset) : undefined;
    if (refused !== undefined)
      throw new ConnectError(
        `The 'offset' ${JSON.stringify(decoded.offset)} is no offset http.offset.mode=TIMESTAMP starts from: ${refused}`,
      );
  }
}

/**
 * Checks that offsets written through the REST API are the connector's own: a partition's `url` is
 * the key of `url` (http.url), current or earlier (offset-key.ts), the only ones the task reads.
 * A removal (a null offset) passes for any key, so a partition stored before this check can go.
 * Unchecked when a config provider resolved http.url: its key is that of the resolved URL.
 */
export function validateAlteredPartitions(
  url: string,
  offsets: ReadonlyArray<{ partition: SourceMap; offset: SourceMap | null }>,
): void {
  const keys = new Set([offsetKey(url), ...EARLIER_OFFSET_KEYS.map((v) => v.key(url))]);
  for (const { partition, offset } of offsets)
    if (offset !== null && !keys.has(partition[PARTITION_URL] as string))
      throw new ConnectError(`Partition objects should contain the key '${PARTITION_URL}' with the connector's URL`);
}

/**
 * Refuses offsets a client read from GET …/offsets with part of a value given through a config
 * provider hidden (ResolvedValues: the path of an http.url, of a token URL, a secret) and sent back:
 * a partition `url` or an offset value holding `[hidden]` is not what the task stored (a partition it
 * reads, a link it can follow, an offset it can send).
 */
export function refuseHiddenUrls(offsets: ReadonlyArray<{ partition: SourceMap; offset: SourceMap | null }>): void {
  const hidden = (value: unknown) => typeof value === "string" && value.includes(HIDDEN);
  for (const { partition, offset } of offsets)
    if (hidden(partition[PARTITION_URL]) || Object.values(offset ?? {}).some(hidden))
      throw new ConnectError(
        `A partition's '${PARTITION_URL}' or a value of its offset holds ${HIDDEN}: GET /connectors/{name}/offsets hides what came through a config provider (the path of an http.url given so), so what it shows is not what the task stored. To reset this connector's offsets, use DELETE /connectors/{name}/offsets`,
      );
}
