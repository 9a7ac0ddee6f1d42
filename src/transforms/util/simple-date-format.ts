/**
 * The part of java.text.SimpleDateFormat that Connect configs use, always in UTC (TimestampConverter
 * and TimestampRouter set the UTC zone; Values assumes a UTC worker). Used by TimestampConverter,
 * TimestampRouter, Cast (dates to strings) and Values.parseString.
 *
 * Pattern letters: G y M L d D E u a H k K h m s S z Z X, quoted text ('…', '' for a quote) and
 * any other non-letter as a literal. Unknown letters fail as in Java (`Illegal pattern character
 * 'b'`); the week-based letters Y w W F u count weeks as Java's US locale does (Sunday first,
 * week 1 holds January 1), in formatting and parsing (calendar-date-fields.ts: which of the parsed
 * date fields make the date). Parsing is lenient like Java's default: out-of-range fields roll over, trailing text is ignored, a numeric field takes
 * all its digits unless the next field is numeric too (then exactly as many as its pattern width),
 * and `yy` with two digits picks the century within 80 years before and 20 after now. Blanks
 * before a numeric field are skipped and a minus sign is read; zones parse as JDK 17 does (a table
 * of the zone names it knows for en_US); dates before 1582-10-15 are Julian (gregorian-calendar.ts).
 */
import { calendarFields } from "../../api/data/gregorian-calendar.ts";
import { DataError } from "../../errors.ts";
import { CalendarDateFields } from "./calendar-date-fields.ts";
import { formatField } from "./date-field-format.ts";
import { type Fields, parseField, toDate } from "./date-field-parse.ts";
import { compileDatePattern, isNumeric, type Token } from "./date-pattern.ts";

export class SimpleDateFormat {
  private readonly tokens: readonly Token[];

  /** Throws IllegalArgumentError for a pattern Java would reject (or one this subset cannot run). */
  constructor(private readonly pattern: string) {
    this.tokens = compileDatePattern(pattern);
  }

  toPattern(): string {
    return this.pattern;
  }

  format(date: Date): string {
    const c = calendarFields(date.getTime());
    let out = "";
    for (const token of this.tokens) {
      out += token.kind === "literal" ? token.text : formatField(date, c, token.letter, token.count);
    }
    return out;
  }

  /** DateFormat.parse(String): throws DataError `Unparseable date: "<text>"` when nothing parses. */
  parse(text: string): Date {
    const result = this.parsePrefix(text);
    if (!result) throw new DataError(`Unparseable date: "${text}"`);
    return result.date;
  }

  /** Parses from the start of `text`; `end` is where parsing stopped, or null when it failed. */
  parsePrefix(text: string): { date: Date; end: number } | null {
    const f: Fields = {
      date: new CalendarDateFields(),
      hour: 0,
      pm: null,
      hour12: false,
      minute: 0,
      second: 0,
      millis: 0,
      offsetMinutes: 0,
    };
    let pos = 0;
    for (let t = 0; t < this.tokens.length; t++) {
      const token = this.tokens[t]!;
      if (token.kind === "literal") {
        if (!text.startsWith(token.text, pos)) return null;
        pos += token.text.length;
        continue;
      }
      const next = parseField(text, pos, token, isNumeric(this.tokens[t + 1]), f);
      if (next === null) return null;
      pos = next;
    }
    return { date: toDate(f), end: pos };
  }
}
