/**
 * Which HTTP statuses the sink treats as errors (`sink.error.code` minus
 * `sink.error.code.exclude`), in the syntax of Flink's HTTP connector: single codes (`404`) and
 * classes written as a digit followed by `XX` (`4XX`, `5XX`). Any status that is not an error
 * counts as delivered. Whether an error is worth a retry is decided separately (retry-policy).
 */

export interface StatusCodeSet {
  readonly codes: ReadonlySet<number>;
  /** Classes by their first digit (4 for `4XX`). */
  readonly classes: ReadonlySet<number>;
}

/** Parses a list like `["404", "5XX"]`; throws an Error naming the first bad entry. */
export function parseStatusCodes(list: readonly string[]): StatusCodeSet {
  const codes = new Set<number>();
  const classes = new Set<number>();
  for (const raw of list) {
    const entry = raw.trim().toUpperCase();
    if (entry === "") continue;
    const klass = /^([1-5])XX$/.exec(entry);
    if (klass) {
      classes.add(Number(klass[1]));
      continue;
    }
    if (/^[1-5]\d\d$/.test(entry)) {
      codes.add(Number(entry));
      continue;
    }
    throw new Error(`${raw.trim()} is not an HTTP status code (100-599) or class (1XX-5XX)`);
  }
  return { codes, classes };
}

function contains(set: StatusCodeSet, status: number): boolean {
  return set.codes.has(status) || set.classes.has(Math.floor(status / 100));
}

/** What an empty `sink.error.code` stands for (as Flink's connector: a list with no entry is its default). */
const DEFAULT_ERRORS: StatusCodeSet = { codes: new Set(), classes: new Set([4, 5]) };

/**
 * 303 (See Other): the endpoint took the request (RFC 9110 §15.4.4), so the sink never follows it and
 * counts it as delivered. `3XX` in sink.error.code (meant for the 3xx the client does not follow: 300,
 * 304, 305) does not make it an error; only the code itself (`303`) does.
 */
const SEE_OTHER = 303;

/** The sink.error.code lists read back: whether a status is an error, and why not when it is not. */
export interface ErrorStatuses {
  /** Is `status` (100..599: see classifiedStatus) an error: listed and not excluded? */
  isError(status: number): boolean;
  /** Does sink.error.code list `status`, by code or by class (a 303 by its code only)? */
  listed(status: number): boolean;
  /** The sink.error.code.exclude entries that remove `status`: none, its code (`404`), its class (`4XX`) or both. */
  excludedBy(status: number): string[];
}

/**
 * The lists' reading. An error list with no entry (`""`, `" , "`) is 4XX,5XX, as in Flink's HTTP
 * connector: never "no status is an error", which would count every failed request as delivered.
 */
export function errorStatuses(errors: readonly string[], exclude: readonly string[]): ErrorStatuses {
  const listed = parseStatusCodes(errors);
  const included = listed.codes.size + listed.classes.size === 0 ? DEFAULT_ERRORS : listed;
  const excluded = parseStatusCodes(exclude);
  const listedIn = (status: number) => (status === SEE_OTHER ? included.codes.has(status) : contains(included, status));
  return {
    isError: (status) => listedIn(status) && !contains(excluded, status),
    listed: listedIn,
    excludedBy: (status) => {
      const klass = Math.floor(status / 100);
      const byCode = excluded.codes.has(status) ? [String(status)] : [];
      return excluded.classes.has(klass) ? [...byCode, `${klass}XX`] : byCode;
    },
  };
}

/**
 * Statuses that refuse the request's credentials (401, 407), not its records: a batch answered so
 * is not re-sent record by record, as every record would be refused the same way. Not 403: an
 * endpoint may forbid what some records say (another tenant's), so that batch is still split.
 */
export function refusesCredentials(status: number): boolean {
  return status === 401 || status === 407;
}
