import type { CappedCount } from '../data/model.ts'

const numberFormat = new Intl.NumberFormat('en-US')

export function count(value: CappedCount): string {
  return `${numberFormat.format(value.value)}${value.atLeast ? '+' : ''}`
}

export function integer(value: number): string {
  return numberFormat.format(value)
}

/** A duration in seconds, short: 42s, 5m 3s, 2h 10m, 3d 4h. */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds))
  if (s < 60) return `${s}s`
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`
  if (s < 86_400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`
  return `${Math.floor(s / 86_400)}d ${Math.floor((s % 86_400) / 3600)}h`
}

/** A unix time relative to now: "12s ago", "in 3m 2s". */
export function relative(at: number, now: number): string {
  return at <= now ? `${duration(now - at)} ago` : `in ${duration(at - now)}`
}

export function iso(at: number): string {
  return new Date(at * 1000).toISOString().replace('.000Z', 'Z')
}

/** JSON text pretty-printed when it parses; the text as it is otherwise. */
export function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2)
  } catch {
    return text
  }
}
