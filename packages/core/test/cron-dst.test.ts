// Cron runs in the system local zone. Node re-reads TZ whenever process.env.TZ is assigned, so each
// describe block switches zone in beforeAll (this file runs in its own vitest fork) and checks
// that the switch took effect before trusting any result.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { nextAfter, parseSchedule } from '../src/index.ts'

const originalTz = process.env.TZ
afterAll(() => {
  if (originalTz === undefined) delete process.env.TZ
  else process.env.TZ = originalTz
})

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

/** Switch zone for a block; `offsets` are [iso instant, expected UTC offset in minutes] checks. */
function inZone(zone: string, offsets: [string, number][]): void {
  beforeAll(() => {
    process.env.TZ = zone
  })
  it(`is really in ${zone}`, () => {
    for (const [instant, offset] of offsets) expect(0 - new Date(instant).getTimezoneOffset()).toBe(offset)
  })
}

describe('America/New_York (02:00 -> 03:00 on 2026-03-08; 02:00 -> 01:00 on 2026-11-01)', () => {
  inZone('America/New_York', [
    ['2026-01-15T12:00:00Z', -300],
    ['2026-07-15T12:00:00Z', -240],
  ])

  it('spring-forward: 02:30 daily fires at 03:00:00 EDT (the first valid instant), then 02:30 again', () => {
    expect(series('30 2 * * *', '2026-03-07T12:00:00Z', 3)).toEqual([
      '2026-03-08T07:00:00Z', // 2026-03-08 03:00:00 EDT: 02:30 does not exist that day
      '2026-03-09T06:30:00Z', // 2026-03-09 02:30 EDT
      '2026-03-10T06:30:00Z',
    ])
  })

  it('spring-forward: hourly fires 01:00 EST, then 03:00 EDT (for the missing 02:00), then 04:00', () => {
    expect(series('0 * * * *', '2026-03-08T05:30:00Z', 3)).toEqual([
      '2026-03-08T06:00:00Z',
      '2026-03-08T07:00:00Z',
      '2026-03-08T08:00:00Z',
    ])
  })

  it('spring-forward: several boundaries inside the gap fire once, at the end of the gap', () => {
    expect(series('*/15 2 * * *', '2026-03-07T12:00:00Z', 2)).toEqual(['2026-03-08T07:00:00Z', '2026-03-09T06:00:00Z'])
    expect(series('* * * * * *', '2026-03-08T06:59:58Z', 3)).toEqual([
      '2026-03-08T06:59:59Z',
      '2026-03-08T07:00:00Z',
      '2026-03-08T07:00:01Z',
    ])
  })

  it('fall-back: 01:30 daily fires once, at the earlier (EDT) instant', () => {
    expect(series('30 1 * * *', '2026-10-31T12:00:00Z', 3)).toEqual([
      '2026-11-01T05:30:00Z', // 01:30 EDT
      '2026-11-02T06:30:00Z', // next day 01:30 EST; 01:30 EST on 2026-11-01 (06:30Z) is not fired again
      '2026-11-03T06:30:00Z',
    ])
  })

  it('fall-back: from inside the repeated hour, the earlier instant is past, so the later one fires', () => {
    // 06:00Z is 01:00 EST, the second 01:00 of the day.
    expect(iso(nextAfter('30 1 * * *', at('2026-11-01T06:00:00Z')))).toBe('2026-11-01T06:30:00Z')
    expect(iso(nextAfter('*/15 * * * *', at('2026-11-01T06:10:00Z')))).toBe('2026-11-01T06:15:00Z')
  })

  it('fall-back: hourly does not fire the repeated 01:00 twice', () => {
    expect(series('0 * * * *', '2026-11-01T03:30:00Z', 4)).toEqual([
      '2026-11-01T04:00:00Z', // 00:00 EDT
      '2026-11-01T05:00:00Z', // 01:00 EDT
      '2026-11-01T07:00:00Z', // 02:00 EST
      '2026-11-01T08:00:00Z',
    ])
  })

  it('@every ignores DST: pure seconds', () => {
    expect(nextAfter('@every 1h', at('2026-03-08T06:30:00Z'))).toBe(at('2026-03-08T07:30:00Z'))
    expect(nextAfter('@every 1d', at('2026-11-01T04:00:00Z'))).toBe(at('2026-11-02T04:00:00Z'))
  })

  it('daily midnight keeps local midnight across both transitions', () => {
    expect(series('0 0 * * *', '2026-03-07T12:00:00Z', 2)).toEqual(['2026-03-08T05:00:00Z', '2026-03-09T04:00:00Z'])
    expect(series('0 0 * * *', '2026-10-31T12:00:00Z', 2)).toEqual(['2026-11-01T04:00:00Z', '2026-11-02T05:00:00Z'])
  })
})

describe('Europe/London (01:00 -> 02:00 on 2026-03-29; 02:00 -> 01:00 on 2026-10-25)', () => {
  inZone('Europe/London', [
    ['2026-01-15T12:00:00Z', 0],
    ['2026-07-15T12:00:00Z', 60],
  ])

  it('spring-forward: 01:30 fires at 02:00 BST', () => {
    expect(series('30 1 * * *', '2026-03-28T12:00:00Z', 2)).toEqual(['2026-03-29T01:00:00Z', '2026-03-30T00:30:00Z'])
  })

  it('fall-back: 01:30 fires once at 01:30 BST', () => {
    expect(series('30 1 * * *', '2026-10-24T12:00:00Z', 2)).toEqual(['2026-10-25T00:30:00Z', '2026-10-26T01:30:00Z'])
  })
})

describe('Australia/Lord_Howe (30-minute DST: 02:00 -> 02:30 on 2026-10-04; 02:00 -> 01:30 on 2026-04-05)', () => {
  inZone('Australia/Lord_Howe', [
    ['2026-07-15T12:00:00Z', 630],
    ['2026-01-15T12:00:00Z', 660],
  ])

  it('spring-forward: 02:15 fires at 02:30 LHDT (the end of a half-hour gap)', () => {
    expect(series('15 2 * * *', '2026-10-03T00:00:00Z', 2)).toEqual([
      '2026-10-03T15:30:00Z', // 2026-10-04 02:30 +11:00
      '2026-10-04T15:15:00Z', // 2026-10-05 02:15 +11:00
    ])
  })

  it('fall-back: 01:45 fires once, at the earlier (+11:00) instant', () => {
    expect(series('45 1 * * *', '2026-04-04T00:00:00Z', 2)).toEqual([
      '2026-04-04T14:45:00Z', // 2026-04-05 01:45 +11:00
      '2026-04-05T15:15:00Z', // 2026-04-06 01:45 +10:30
    ])
  })
})
