// Cron evaluation is local time: pin the zone before anything reads a Date (DST cases live in cron-dst.test.ts).
process.env.TZ = 'UTC'

import { describe, expect, it } from 'vitest'
import { HonkerError, nextAfter, parseSchedule } from '../src/index.ts'

const at = (iso: string): number => Date.parse(iso) / 1000
const iso = (unixS: number): string => new Date(unixS * 1000).toISOString().replace('.000Z', 'Z')

function series(expression: string, fromIso: string, count: number): string[] {
  const schedule = parseSchedule(expression)
  const out: string[] = []
  let from = at(fromIso)
  for (let i = 0; i < count; i++) {
    from = schedule.nextAfter(from)
    out.push(iso(from))
  }
  return out
}

function cronError(run: () => unknown): HonkerError {
  try {
    run()
  } catch (error) {
    if (HonkerError.isInstance(error)) return error
    throw error
  }
  throw new Error('expected an error')
}

describe('cron: zone pin', () => {
  it('runs in UTC', () => {
    expect(new Date(at('2026-07-01T00:00:00Z') * 1000).getTimezoneOffset()).toBe(0)
  })
})

describe('@every', () => {
  it('is pure arithmetic from `from`, in each unit, not aligned to the clock', () => {
    expect(nextAfter('@every 5s', 1003)).toBe(1008)
    expect(nextAfter('@every 2m', 1003)).toBe(1123)
    expect(nextAfter('@every 3h', 1003)).toBe(1003 + 3 * 3600)
    expect(nextAfter('@every 1d', 1003)).toBe(1003 + 86_400)
    expect(nextAfter('@every 10s', -100)).toBe(-90)
  })

  it('accepts leading zeros and whitespace around the prefix and the interval, as honker does', () => {
    expect(nextAfter('@every 005s', 0)).toBe(5)
    expect(nextAfter('  @every 5s  ', 0)).toBe(5)
    expect(nextAfter('@every5s', 0)).toBe(5)
    expect(nextAfter('@every\t 5s\n', 0)).toBe(5)
  })

  it('reports the overflow of the next time', () => {
    expect(cronError(() => nextAfter('@every 10s', Number.MAX_SAFE_INTEGER - 5)).code).toBe('invalid_cron')
  })
})

describe('cron fields', () => {
  it('5 fields fire at second 0; 6 fields put the second first', () => {
    expect(series('*/15 * * * *', '2026-03-01T10:07:31Z', 3)).toEqual([
      '2026-03-01T10:15:00Z',
      '2026-03-01T10:30:00Z',
      '2026-03-01T10:45:00Z',
    ])
    expect(series('*/20 * * * * *', '2026-03-01T10:07:31Z', 3)).toEqual([
      '2026-03-01T10:07:40Z',
      '2026-03-01T10:08:00Z',
      '2026-03-01T10:08:20Z',
    ])
    expect(series('* * * * * *', '2026-03-01T23:59:59Z', 2)).toEqual(['2026-03-02T00:00:00Z', '2026-03-02T00:00:01Z'])
  })

  it('is strictly after `from`', () => {
    expect(iso(nextAfter('0 * * * *', at('2026-03-01T10:00:00Z')))).toBe('2026-03-01T11:00:00Z')
    expect(iso(nextAfter('0 * * * *', at('2026-03-01T09:59:59Z')))).toBe('2026-03-01T10:00:00Z')
  })

  it('reads N/step as N only (honker), not "from N every step" (Vixie)', () => {
    expect(series('5/15 * * * *', '2026-03-01T10:00:00Z', 3)).toEqual([
      '2026-03-01T10:05:00Z',
      '2026-03-01T11:05:00Z',
      '2026-03-01T12:05:00Z',
    ])
    expect(series('0/5 * * * *', '2026-03-01T10:01:00Z', 2)).toEqual(['2026-03-01T11:00:00Z', '2026-03-01T12:00:00Z'])
  })

  it('steps ranges and * from their start; a step past the range keeps only the start', () => {
    expect(series('10-20/5 * * * *', '2026-03-01T10:00:00Z', 4)).toEqual([
      '2026-03-01T10:10:00Z',
      '2026-03-01T10:15:00Z',
      '2026-03-01T10:20:00Z',
      '2026-03-01T11:10:00Z',
    ])
    expect(series('*/100 * * * *', '2026-03-01T10:00:00Z', 2)).toEqual(['2026-03-01T11:00:00Z', '2026-03-01T12:00:00Z'])
    expect(series('0 */7 * * *', '2026-03-01T00:00:00Z', 4)).toEqual([
      '2026-03-01T07:00:00Z',
      '2026-03-01T14:00:00Z',
      '2026-03-01T21:00:00Z',
      '2026-03-02T00:00:00Z',
    ])
  })

  it('combines comma lists of items', () => {
    expect(series('*/30,7,40-41 9 * * *', '2026-03-01T00:00:00Z', 6)).toEqual([
      '2026-03-01T09:00:00Z',
      '2026-03-01T09:07:00Z',
      '2026-03-01T09:30:00Z',
      '2026-03-01T09:40:00Z',
      '2026-03-01T09:41:00Z',
      '2026-03-02T09:00:00Z',
    ])
  })

  it('requires day-of-month AND day-of-week to match: 0 0 13 * 5 is Friday the 13th only', () => {
    expect(series('0 0 13 * 5', '2026-01-01T00:00:00Z', 4)).toEqual([
      '2026-02-13T00:00:00Z',
      '2026-03-13T00:00:00Z',
      '2026-11-13T00:00:00Z',
      '2027-08-13T00:00:00Z',
    ])
  })

  it('matches weekdays with 0 = Sunday', () => {
    // 2026-03-06 is a Friday.
    expect(series('0 9 * * 1-5', '2026-03-06T10:00:00Z', 2)).toEqual(['2026-03-09T09:00:00Z', '2026-03-10T09:00:00Z'])
    expect(series('0 9 * * 0,6', '2026-03-06T10:00:00Z', 2)).toEqual(['2026-03-07T09:00:00Z', '2026-03-08T09:00:00Z'])
  })

  it('finds leap days, and rare combinations years away', () => {
    expect(iso(nextAfter('0 0 29 2 *', at('2026-03-01T00:00:00Z')))).toBe('2028-02-29T00:00:00Z')
    expect(iso(nextAfter('0 0 29 2 1', at('2026-03-01T00:00:00Z')))).toBe('2044-02-29T00:00:00Z')
    expect(iso(nextAfter('0 0 31 * *', at('2026-04-01T00:00:00Z')))).toBe('2026-05-31T00:00:00Z')
    expect(iso(nextAfter('0 0 1 1 *', at('2026-12-31T23:59:59Z')))).toBe('2027-01-01T00:00:00Z')
  })

  it('gives up after 100 years on expressions that never match', () => {
    for (const expression of ['0 0 30 2 *', '0 0 31 4 *', '0 0 31 2,4,6,9,11 *']) {
      const error = cronError(() => nextAfter(expression, at('2026-03-01T00:00:00Z')))
      expect(error.code).toBe('invalid_cron')
      expect(error.message).toContain('100 years')
    }
  })

  it('agrees with a brute-force minute scan on random expressions', () => {
    let seed = 42
    const random = (n: number): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648
      return seed % n
    }
    const field = (min: number, max: number): string => {
      const value = (): number => min + random(max - min + 1)
      switch (random(7)) {
        case 0:
        case 1:
          return '*'
        case 2:
          return `*/${1 + random(max - min + 1)}`
        case 3:
          return String(value())
        case 4: {
          const [a, b] = [value(), value()].sort((x, y) => x - y)
          return `${a}-${b}/${1 + random(4)}`
        }
        case 5:
          return `${value()},${value()}`
        default:
          return `${value()}/${1 + random(5)}`
      }
    }
    const matches = (parts: Set<number>[], t: Date): boolean =>
      parts[0]!.has(t.getUTCMinutes()) &&
      parts[1]!.has(t.getUTCHours()) &&
      parts[2]!.has(t.getUTCDate()) &&
      parts[3]!.has(t.getUTCMonth() + 1) &&
      parts[4]!.has(t.getUTCDay())
    const expand = (text: string, min: number, max: number): Set<number> => {
      const out = new Set<number>()
      for (const item of text.split(',')) {
        const [base, stepText] = item.split('/') as [string, string | undefined]
        const step = stepText === undefined ? 1 : Number(stepText)
        const [low, high] = base === '*' ? [min, max] : base.includes('-') ? base.split('-').map(Number) : [Number(base), Number(base)]
        for (let v = low!; v <= high!; v += step) out.add(v)
      }
      return out
    }
    const windowMinutes = 40 * 24 * 60
    let compared = 0
    for (let i = 0; i < 250; i++) {
      const fields = [field(0, 59), field(0, 23), random(2) ? '*' : field(1, 31), random(3) ? '*' : field(1, 12), random(2) ? '*' : field(0, 6)]
      const sets = [expand(fields[0]!, 0, 59), expand(fields[1]!, 0, 23), expand(fields[2]!, 1, 31), expand(fields[3]!, 1, 12), expand(fields[4]!, 0, 6)]
      const expression = fields.join(' ')
      const from = at('2026-01-01T00:00:00Z') + random(365 * 86_400)
      let expected: number | null = null
      for (let m = Math.floor(from / 60) + 1; m <= Math.floor(from / 60) + windowMinutes; m++) {
        if (matches(sets, new Date(m * 60_000))) {
          expected = m * 60
          break
        }
      }
      let actual: number | null
      try {
        actual = nextAfter(expression, from)
      } catch {
        actual = null
      }
      if (expected !== null) {
        expect({ expression, from, next: actual }).toEqual({ expression, from, next: expected })
        compared++
      } else if (actual !== null) {
        expect(actual).toBeGreaterThan(from + windowMinutes * 60)
      }
    }
    expect(compared).toBeGreaterThan(150)
  })
})

describe('malformed expressions', () => {
  const malformed: [string, string][] = [
    ['', 'no fields'],
    ['   ', 'blank'],
    ['* * * *', '4 fields'],
    ['* * * * * * *', '7 fields'],
    ['@hourly', 'other macros'],
    ['@daily', 'other macros'],
    ['@EVERY 5s', 'macro is case-sensitive'],
    ['@every', 'no interval'],
    ['@every s', 'no number'],
    ['@every 5', 'no unit'],
    ['@every 5 s', 'space before the unit'],
    ['@every 5x', 'unknown unit'],
    ['@every 5ms', 'two-letter unit'],
    ['@every 5S', 'uppercase unit'],
    ['@every 0s', 'zero interval'],
    ['@every -5s', 'negative interval'],
    ['@every +5s', 'signed interval'],
    ['@every 1.5h', 'fractional interval'],
    ['@every 5s extra', 'trailing text'],
    ['@every 18446744073709551616s', 'interval overflows'],
    ['@everyday', 'not an interval'],
    ['*/0 * * * *', 'zero step'],
    ['5/0 * * * *', 'zero step on N'],
    ['*/5/2 * * * *', 'double step'],
    ['5/ * * * *', 'empty step'],
    ['/5 * * * *', 'empty base'],
    ['60 * * * *', 'minute out of range'],
    ['* 24 * * *', 'hour out of range'],
    ['* * 0 * *', 'day-of-month 0'],
    ['* * 32 * *', 'day-of-month 32'],
    ['* * * 0 *', 'month 0'],
    ['* * * 13 *', 'month 13'],
    ['* * * * 7', 'day-of-week 7'],
    ['* * * * 0-7', 'day-of-week range to 7'],
    ['60 * * * * *', 'second out of range'],
    ['5-1 * * * *', 'inverted range'],
    ['-1 * * * *', 'negative'],
    ['1- * * * *', 'open range'],
    ['1-2-3 * * * *', 'double range'],
    ['*-5 * * * *', 'star range'],
    ['1,,2 * * * *', 'empty list item'],
    [',1 * * * *', 'leading comma'],
    ['1, * * * *', 'trailing comma'],
    ['** * * * *', 'double star'],
    ['0x5 * * * *', 'hex'],
    ['1.5 * * * *', 'decimal'],
    ['99999999999999999999 * * * *', 'huge number'],
    ['* * * JAN *', 'month name'],
    ['* * * * MON', 'weekday name'],
    ['* * ? * *', 'question mark'],
    ['* * L * *', 'L'],
    ['* * 15W * *', 'W'],
    ['* * * * 5#3', '#'],
    ['H * * * *', 'Jenkins H'],
    ['٣ * * * *', 'non-ASCII digit'],
    ['0 0 30 2 *', 'never matches'],
  ]

  it.each(malformed)('rejects %j (%s) with invalid_cron', (expression) => {
    const error = cronError(() => parseSchedule(expression).nextAfter(at('2026-03-01T00:00:00Z')))
    expect(error.code).toBe('invalid_cron')
    expect(error.message).toContain(JSON.stringify(expression))
  })

  it('says what is wrong', () => {
    expect(cronError(() => parseSchedule('* * * * 7')).message).toMatch(/day-of-week.*0-6.*7 is not accepted/)
    expect(cronError(() => parseSchedule('* * * JAN *')).message).toMatch(/month field.*names/)
    expect(cronError(() => parseSchedule('@every 5 s')).message).toMatch(/no space/)
    expect(cronError(() => parseSchedule('* * * *')).message).toMatch(/got 4 field/)
  })

  it('rejects a non-string expression and a non-integer time', () => {
    expect(cronError(() => parseSchedule(5 as unknown as string)).code).toBe('invalid_cron')
    expect(cronError(() => nextAfter('* * * * *', 1.5)).code).toBe('invalid_argument')
    expect(cronError(() => nextAfter('@every 1s', Number.NaN)).code).toBe('invalid_argument')
  })

  it('accepts what honker accepts beyond the obvious: + signs, leading zeros, any whitespace', () => {
    expect(iso(nextAfter('+5 * * * *', at('2026-03-01T00:00:00Z')))).toBe('2026-03-01T00:05:00Z')
    expect(iso(nextAfter('007 * * * *', at('2026-03-01T00:00:00Z')))).toBe('2026-03-01T00:07:00Z')
    expect(iso(nextAfter('0\t0  * * *\n', at('2026-03-01T12:00:00Z')))).toBe('2026-03-02T00:00:00Z')
    expect(iso(nextAfter('1-1 * * * *', at('2026-03-01T00:00:00Z')))).toBe('2026-03-01T00:01:00Z')
  })
})
