/**
 * Wall-clock arithmetic in the system local time zone (whatever `TZ` / the OS says), the zone
 * honker evaluates cron expressions in (docs/compatibility.md 2.7). A "naive" time is a wall-clock reading
 * without a zone, counted in seconds as if it were UTC, so fields compare and subtract as plain
 * integers. Mapping one back to instants is where DST shows up: a naive time has one instant, two
 * (fall-back: the hour repeats) or none (spring-forward gap).
 * @internal
 */

export interface LocalDateTime {
  year: number
  /** 1-12 */
  month: number
  /** 1-31 */
  day: number
  hour: number
  minute: number
  second: number
}

/** Wider than any real UTC offset (-12h..+14h) plus a transition on either side. */
const OFFSET_PROBE_S = 36 * 3600

/** Local wall-clock fields of a unix second; throws RangeError outside JavaScript's Date range. */
export function toLocal(unixS: number): LocalDateTime {
  const date = new Date(unixS * 1000)
  if (Number.isNaN(date.getTime())) throw new RangeError(`unix time ${unixS} is outside the supported date range`)
  return {
    year: date.getFullYear(),
    month: date.getMonth() + 1,
    day: date.getDate(),
    hour: date.getHours(),
    minute: date.getMinutes(),
    second: date.getSeconds(),
  }
}

/** The naive seconds of wall-clock fields. `setUTCFullYear` because `Date.UTC` maps years 0-99 to 19xx. */
export function naiveSeconds(time: LocalDateTime): number {
  const date = new Date(0)
  date.setUTCFullYear(time.year, time.month - 1, time.day)
  date.setUTCHours(time.hour, time.minute, time.second, 0)
  return date.getTime() / 1000
}

function naiveOf(unixS: number): number {
  return naiveSeconds(toLocal(unixS))
}

/**
 * Every instant whose local wall clock reads `naive`, ascending: one normally, two in a fall-back
 * repeat, none in a spring-forward gap. Candidates come from the offsets in force a day and a half
 * either side, which covers any single transition near the time.
 */
export function instantsOf(naive: number): number[] {
  const offsets = new Set<number>()
  for (const probe of [naive - OFFSET_PROBE_S, naive, naive + OFFSET_PROBE_S]) offsets.add(naiveOf(probe) - probe)
  const instants: number[] = []
  for (const offset of offsets) {
    const instant = naive - offset
    if (naiveOf(instant) === naive && !instants.includes(instant)) instants.push(instant)
  }
  return instants.sort((a, b) => a - b)
}

/**
 * The first instant whose wall clock reads `naive` or later: for a time inside a spring-forward
 * gap, the transition itself (02:30 on a 02:00 -> 03:00 day gives 03:00:00). This equals stepping
 * the wall clock forward one second at a time until it exists, honker's rule, without the loop.
 */
export function firstInstantAtOrAfter(naive: number): number {
  let minOffset = Infinity
  let maxOffset = -Infinity
  for (const probe of [naive - OFFSET_PROBE_S, naive, naive + OFFSET_PROBE_S]) {
    const offset = naiveOf(probe) - probe
    minOffset = Math.min(minOffset, offset)
    maxOffset = Math.max(maxOffset, offset)
  }
  // Invariant: naiveOf(low) < naive <= naiveOf(high); the wall clock only moves forward in this window.
  let low = naive - maxOffset - 1
  let high = naive - minOffset
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2)
    if (naiveOf(middle) >= naive) high = middle
    else low = middle
  }
  return high
}
