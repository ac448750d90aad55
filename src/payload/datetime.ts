/**
 * Date-times in payloads and filters: RFC 3339 / ISO 8601 strings read as instants (epoch
 * milliseconds), the one parser that datetime ranges and datetime indexes share, so that a
 * string counts as a date-time in a filter exactly when it does in an index.
 *
 * Accepted: `YYYY-MM-DD` (midnight UTC), optionally followed by `T` (or `t` or a space),
 * `hh:mm`, optional `:ss`, optional fraction of a second (digits past milliseconds are
 * truncated), and an optional zone `Z` / `z` / `±hh:mm` / `±hhmm`. A date-time without a zone
 * is read as UTC, never in the machine's local time zone, so results do not depend on where
 * the database runs. Calendar fields are checked (no 2023-02-29, no 24:00, no leap second),
 * unlike `Date.parse`, which rolls 2023-02-30 over into March and reads `"1"` as 2001.
 */

const DATETIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(?:([Zz])|([+-])(\d{2}):?(\d{2}))?)?$/;

/** Days per month of a non-leap year, January first. */
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * The instant `text` denotes, in milliseconds since 1970-01-01T00:00:00Z, or undefined when
 * `text` is not a date-time of the accepted forms (see the module comment).
 * @example
 * parseDatetime('2024-03-01T12:00:00+01:00'); // 1709290800000
 * parseDatetime('2024-03-01'); // 1709251200000 (midnight UTC)
 * parseDatetime('yesterday'); // undefined
 */
export function parseDatetime(text: string): number | undefined {
  const parts = DATETIME.exec(text);
  if (parts === null) return undefined;
  const [, year, month, day, hour = '00', minute = '00', second = '00', fraction = ''] = parts;
  const [zoneSign, zoneHour = '00', zoneMinute = '00'] = [parts[9], parts[10], parts[11]];
  const monthNumber = Number(month);
  if (monthNumber < 1 || monthNumber > 12) return undefined;
  const dayNumber = Number(day);
  if (dayNumber < 1 || dayNumber > daysInMonth(Number(year), monthNumber)) return undefined;
  if (Number(hour) > 23 || Number(minute) > 59 || Number(second) > 59) return undefined;
  if (Number(zoneHour) > 23 || Number(zoneMinute) > 59) return undefined;
  const zone = zoneSign === undefined ? 'Z' : `${zoneSign}${zoneHour}:${zoneMinute}`;
  const milliseconds = fraction.slice(1, 4).padEnd(3, '0');
  const instant = Date.parse(`${year}-${month}-${day}T${hour}:${minute}:${second}.${milliseconds}${zone}`);
  return Number.isNaN(instant) ? undefined : instant;
}

function daysInMonth(year: number, month: number): number {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return month === 2 && leap ? 29 : MONTH_DAYS[month - 1];
}
