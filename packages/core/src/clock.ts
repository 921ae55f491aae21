/**
 * Where Honker reads the time. Every stored time is whole unix seconds (docs/compatibility.md 1.5); the
 * millisecond clock exists so tests can move time without sleeping.
 */
export interface Clock {
  /** Milliseconds since the unix epoch. */
  now(): number
}

export const systemClock: Clock = { now: () => Date.now() }

export function unixSeconds(clock: Clock): number {
  return Math.floor(clock.now() / 1000)
}
