/**
 * @module cron
 *
 * honker's schedule expressions (docs/compatibility.md 2.7), evaluated exactly as `honker_cron_next_after`
 * so a task registered by any binding fires at the same boundaries here:
 *
 * - `@every <n><s|m|h|d>`: pure arithmetic from the previous time, not aligned to the clock.
 * - 5 fields `minute hour day-of-month month day-of-week` (second 0) or 6 with the second first.
 *   Items are `*`, `N` or `A-B`, optionally `/step`, in comma lists. `*` and `A-B` step from their
 *   start; `N/step` means just N (honker's parser; Vixie cron reads it as "from N every step").
 * - Day-of-month AND day-of-week must both match (`0 0 13 * 5` is Friday the 13th only).
 * - System local time zone. A wall-clock time skipped by a spring-forward gap fires at the first
 *   instant after the gap; a repeated (fall-back) wall-clock time fires once.
 *
 * Deliberately absent, as in honker: names (JAN, MON), `7` for Sunday, `?`, `L`, `W`, `#`, and
 * macros other than `@every` (`@hourly`, `@daily`, ...). They are rejected, never guessed at.
 *
 * Differences from honker 0.5.1, both outside what a valid schedule meets in practice:
 * - A repeated fall-back time resolves to its EARLIER instant, the documented rule (docs/compatibility.md
 *   2.7). The published honker 0.5.1 binary returns the later one; each fires the boundary exactly
 *   once, so a file ticked by both never fires it twice.
 * - `@every` intervals and results must stay within 2^53 seconds (JavaScript numbers), where honker
 *   allows 64-bit values.
 */
import { HonkerError } from '../errors/honker-error.ts'
import { InvalidArgumentError } from '../errors/invalid-argument-error.ts'
import { requireInteger } from '../validate.ts'
import { firstInstantAtOrAfter, instantsOf, naiveSeconds, toLocal, type LocalDateTime } from './local-time.ts'

/** A parsed schedule expression; parse once and evaluate many times (the scheduler's catch-up). */
export interface Schedule {
  /** The expression as given. */
  readonly expression: string
  readonly kind: 'every' | 'cron'
  /** The next matching unix second strictly after `fromUnixS`. */
  nextAfter(fromUnixS: number): number
}

/** Rust's `char::is_whitespace` (Unicode White_Space), which honker trims and splits on. JS `\s` differs (U+FEFF, U+0085). */
const WHITESPACE_RUN = /\p{White_Space}+/u
const TRIM = /^\p{White_Space}+|\p{White_Space}+$/gu
const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400 }
/** A `u32` as Rust parses it: optional `+`, ASCII digits, leading zeros allowed. */
const UNSIGNED = /^\+?[0-9]+$/
const U32_MAX = 4_294_967_295
const SEARCH_YEARS = 100

function invalidCron(expression: string, message: string): HonkerError {
  return new HonkerError('invalid_cron', `invalid schedule ${JSON.stringify(expression)}: ${message}`)
}

function trim(text: string): string {
  return text.replace(TRIM, '')
}

/**
 * Parse and validate a schedule expression. Throws HonkerError `invalid_cron` with the reason.
 *
 * ```ts
 * const schedule = parseSchedule('0,30 9-17 * * 1-5') // on the hour and half hour, 9:00-17:30 on weekdays
 * const next = schedule.nextAfter(Math.floor(Date.now() / 1000))
 * ```
 */
export function parseSchedule(expression: string): Schedule {
  if (typeof expression !== 'string') {
    throw new HonkerError('invalid_cron', `invalid schedule: must be a string, got ${typeof expression}`)
  }
  const text = trim(expression)
  if (text.startsWith('@every')) return parseEvery(expression, trim(text.slice('@every'.length)))
  const fields = text === '' ? [] : text.split(WHITESPACE_RUN)
  if (fields.length !== 5 && fields.length !== 6) {
    throw invalidCron(
      expression,
      `expected 5 fields (minute hour day-of-month month day-of-week), 6 (second first) or '@every <n><s|m|h|d>'; got ${fields.length} field(s)`,
    )
  }
  if (fields.length === 5) fields.unshift('0')
  return new CronSchedule(expression, fields as [string, string, string, string, string, string])
}

/**
 * The next unix second strictly after `fromUnixS` matching `expression`, in the system local time
 * zone; the same answer as honker's `honker_cron_next_after(expr, from)`.
 *
 * ```ts
 * nextAfter('@every 30s', 1_700_000_000)    // 1_700_000_030
 * nextAfter('0 0 13 * 5', now)             // the next Friday the 13th, local midnight
 * ```
 */
export function nextAfter(expression: string, fromUnixS: number): number {
  return parseSchedule(expression).nextAfter(fromUnixS)
}

function parseEvery(expression: string, rest: string): Schedule {
  const match = /^([0-9]+)([\s\S]*)$/.exec(rest)
  if (match === null || match[2] === '') {
    throw invalidCron(expression, `expected '@every <n><unit>' with a whole number directly followed by s, m, h or d; got ${JSON.stringify(rest)}`)
  }
  const unit = UNIT_SECONDS[match[2]!]
  if (unit === undefined) {
    throw invalidCron(expression, `unsupported interval unit ${JSON.stringify(match[2])}; expected one of s, m, h, d (no space before it)`)
  }
  const count = BigInt(match[1]!)
  if (count === 0n) throw invalidCron(expression, 'the interval must be positive')
  const seconds = count * BigInt(unit)
  if (seconds > BigInt(Number.MAX_SAFE_INTEGER)) throw invalidCron(expression, 'the interval is too large')
  const interval = Number(seconds)
  return {
    expression,
    kind: 'every',
    nextAfter(fromUnixS: number): number {
      requireInteger(fromUnixS, 'fromUnixS')
      const next = fromUnixS + interval
      if (!Number.isSafeInteger(next)) throw invalidCron(expression, `the next time after ${fromUnixS} overflows`)
      return next
    },
  }
}

interface FieldSpec {
  name: string
  min: number
  max: number
}

const FIELDS: readonly FieldSpec[] = [
  { name: 'second', min: 0, max: 59 },
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12 },
  { name: 'day-of-week', min: 0, max: 6 },
]

/** The allowed values of one field as a lookup: `next[v]` is the smallest allowed value >= v, or -1. */
class FieldSet {
  readonly next: Int8Array
  readonly first: number

  constructor(allowed: boolean[]) {
    this.next = new Int8Array(allowed.length + 1).fill(-1)
    for (let value = allowed.length - 1; value >= 0; value--) {
      this.next[value] = allowed[value] ? value : this.next[value + 1]!
    }
    this.first = this.next[0]!
  }

  has(value: number): boolean {
    return this.next[value] === value
  }
}

function parseField(expression: string, text: string, spec: FieldSpec): FieldSet {
  const allowed = new Array<boolean>(spec.max + 1).fill(false)
  const where = `${spec.name} field ${JSON.stringify(text)}`
  const number = (part: string, item: string): number => {
    if (!UNSIGNED.test(part) || Number(part) > U32_MAX) {
      throw invalidCron(expression, `${where}: ${JSON.stringify(item)} is not a number, a range A-B or * (names, ?, L, W and # are not supported)`)
    }
    return Number(part)
  }
  for (const item of text.split(',')) {
    const slash = item.indexOf('/')
    const base = slash < 0 ? item : item.slice(0, slash)
    let step = 1
    if (slash >= 0) {
      const stepText = item.slice(slash + 1)
      if (!UNSIGNED.test(stepText) || Number(stepText) > U32_MAX) {
        throw invalidCron(expression, `${where}: the step in ${JSON.stringify(item)} must be a positive whole number`)
      }
      step = Number(stepText)
      if (step === 0) throw invalidCron(expression, `${where}: the step in ${JSON.stringify(item)} must be positive`)
    }
    let low: number
    let high: number
    if (base === '*') {
      low = spec.min
      high = spec.max
    } else {
      const dash = base.indexOf('-')
      if (dash < 0) {
        // honker reads `N/step` as the range N..N: the step never applies (unlike Vixie cron).
        low = high = number(base, item)
      } else {
        low = number(base.slice(0, dash), item)
        high = number(base.slice(dash + 1), item)
      }
      if (low < spec.min || high > spec.max || low > high) {
        const hint = spec.name === 'day-of-week' ? ' (0 = Sunday; 7 is not accepted)' : ''
        throw invalidCron(expression, `${where}: ${JSON.stringify(base)} is out of range ${spec.min}-${spec.max} or inverted${hint}`)
      }
    }
    for (let value = low; value <= high; value += step) allowed[value] = true
  }
  return new FieldSet(allowed)
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

function daysInMonth(year: number, month: number): number {
  return month === 2 && isLeapYear(year) ? 29 : DAYS_IN_MONTH[month - 1]!
}

/** 0 = Sunday, proleptic Gregorian, for any year. */
function weekday(year: number, month: number, day: number): number {
  return new Date(naiveSeconds({ year, month, day, hour: 0, minute: 0, second: 0 }) * 1000).getUTCDay()
}

function fieldsOfNaive(naive: number): LocalDateTime {
  const date = new Date(naive * 1000)
  return {
    year: date.getUTCFullYear(),
    month: date.getUTCMonth() + 1,
    day: date.getUTCDate(),
    hour: date.getUTCHours(),
    minute: date.getUTCMinutes(),
    second: date.getUTCSeconds(),
  }
}

function formatLocal(time: LocalDateTime): string {
  const pad = (value: number, width = 2): string => String(value).padStart(width, '0')
  return `${pad(time.year, 4)}-${pad(time.month)}-${pad(time.day)}T${pad(time.hour)}:${pad(time.minute)}:${pad(time.second)}`
}

class CronSchedule implements Schedule {
  readonly expression: string
  readonly kind = 'cron' as const
  readonly #seconds: FieldSet
  readonly #minutes: FieldSet
  readonly #hours: FieldSet
  readonly #daysOfMonth: FieldSet
  readonly #months: FieldSet
  readonly #daysOfWeek: FieldSet

  constructor(expression: string, fields: readonly [string, string, string, string, string, string]) {
    this.expression = expression
    const sets = fields.map((text, index) => parseField(expression, text, FIELDS[index]!))
    ;[this.#seconds, this.#minutes, this.#hours, this.#daysOfMonth, this.#months, this.#daysOfWeek] = sets as [
      FieldSet, FieldSet, FieldSet, FieldSet, FieldSet, FieldSet,
    ]
  }

  /**
   * Walk the local wall clock field by field (month, day, hour, minute, second), jumping straight to
   * the next allowed value of each, then map the match to an instant. Only DST needs care: a gap
   * gives the instant the gap ends, a repeat gives its earlier instant unless that is not after
   * `from` (when `from` is itself inside the repeated hour).
   */
  nextAfter(fromUnixS: number): number {
    requireInteger(fromUnixS, 'fromUnixS')
    let start: LocalDateTime
    try {
      start = toLocal(fromUnixS)
    } catch (error) {
      throw new InvalidArgumentError('fromUnixS', (error as Error).message, { cause: error })
    }
    const lastYear = start.year + SEARCH_YEARS
    const t = fieldsOfNaive(naiveSeconds(start) + 1)
    const startOfDay = (): void => {
      t.hour = 0
      t.minute = 0
      t.second = 0
    }
    const nextDay = (): void => {
      t.day += 1
      startOfDay()
    }
    const nextHour = (): void => {
      t.minute = 0
      t.second = 0
      if (++t.hour > 23) nextDay()
    }
    for (;;) {
      if (t.year > lastYear) {
        throw invalidCron(this.expression, `no time matches within ${SEARCH_YEARS} years after local ${formatLocal(start)}`)
      }
      const month = this.#months.next[t.month]!
      if (month !== t.month) {
        if (month < 0) {
          t.year += 1
          t.month = this.#months.first
        } else {
          t.month = month
        }
        t.day = 1
        startOfDay()
        continue
      }
      if (t.day > daysInMonth(t.year, t.month)) {
        if (++t.month > 12) {
          t.month = 1
          t.year += 1
        }
        t.day = 1
        startOfDay()
        continue
      }
      if (!this.#daysOfMonth.has(t.day) || !this.#daysOfWeek.has(weekday(t.year, t.month, t.day))) {
        nextDay()
        continue
      }
      const hour = this.#hours.next[t.hour]!
      if (hour < 0) {
        nextDay()
        continue
      }
      if (hour !== t.hour) {
        t.hour = hour
        t.minute = 0
        t.second = 0
      }
      const minute = this.#minutes.next[t.minute]!
      if (minute < 0) {
        nextHour()
        continue
      }
      if (minute !== t.minute) {
        t.minute = minute
        t.second = 0
      }
      const second = this.#seconds.next[t.second]!
      if (second < 0) {
        t.second = 0
        if (++t.minute > 59) nextHour()
        continue
      }
      t.second = second
      const naive = naiveSeconds(t)
      const instants = instantsOf(naive)
      const instant = instants.length === 0 ? firstInstantAtOrAfter(naive) : instants.find((candidate) => candidate > fromUnixS)
      if (instant !== undefined && instant > fromUnixS) return instant
      Object.assign(t, fieldsOfNaive(naive + 1))
    }
  }
}
