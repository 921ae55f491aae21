import { describe, expect, it } from 'vitest'
import { nativeSkipReason, nativeSql } from './native.ts'
import { openPair, tempDbPath } from './helpers.ts'

// The same statements through honker 0.5.1's own functions (in a child process, on one fresh file)
// and through ours (on another): every result must be the same text, byte for byte (key order,
// escaping, double-encoded payloads, '' and NULL misses), once the clock-dependent numbers are
// masked, since the two runs do not share a clock.

const STEPS: { sql: string; params?: unknown[]; time?: boolean }[] = [
  { sql: `SELECT honker_enqueue('q', ?, NULL, NULL, 0, 3, NULL) AS v`, params: ['{"a":"x\\n\\u0001é/\\"q\\""}'] },
  { sql: `SELECT honker_enqueue('q', '2', NULL, 30, 5, 3, 100) AS v` },
  { sql: `SELECT honker_get_job(1) AS v` },
  { sql: `SELECT honker_get_job(2) AS v` },
  { sql: `SELECT honker_get_job(99) AS v` },
  { sql: `SELECT honker_claim_batch('q', 'w', 5, 30) AS v` },
  { sql: `SELECT honker_claim_batch('q', 'w', 5, 30) AS v` },
  { sql: `SELECT honker_heartbeat(1, 'w', 60) AS v` },
  { sql: `SELECT honker_queue_next_claim_at('q') AS v`, time: true },
  { sql: `SELECT honker_ack_batch('[1]', 'w') AS v` },
  { sql: `SELECT honker_ack(1, 'w') AS v` },
  { sql: `SELECT honker_cancel(2) AS v` },
  { sql: `SELECT honker_sweep_expired('q') AS v` },
  { sql: `SELECT honker_stream_publish('t', NULL, '{"b":[1,2]}') AS v` },
  { sql: `SELECT honker_stream_publish('t', 'k', '"three"') AS v` },
  { sql: `SELECT honker_stream_read_since('t', 0, 10) AS v` },
  { sql: `SELECT honker_stream_read_since('t', 5, 10) AS v` },
  { sql: `SELECT honker_stream_save_offset('c', 't', 2) AS v, honker_stream_save_offset('c', 't', 1) AS w` },
  { sql: `SELECT honker_stream_get_offset('c', 't') AS v, honker_stream_get_offset('c', 'none') AS w` },
  { sql: `SELECT honker_scheduler_register('s', 'q', '@every 5s', '{"x":1}', 2, NULL) AS v` },
  { sql: `SELECT honker_scheduler_register('s2', 'q', '0 3 * * *', 'null', 0, 60, 4) AS v` },
  { sql: `SELECT honker_scheduler_pause('s2') AS v, honker_scheduler_pause('s2') AS w` },
  { sql: `SELECT honker_scheduler_list() AS v` },
  { sql: `SELECT honker_scheduler_soonest() AS v`, time: true },
  { sql: `SELECT honker_scheduler_tick(unixepoch() + 11) AS v` },
  { sql: `SELECT honker_scheduler_update('s2', NULL, '{"y":2}', NULL, NULL, 1, NULL, 0) AS v` },
  { sql: `SELECT honker_scheduler_unregister('s') AS v` },
  { sql: `SELECT honker_result_save(1, 'null', 0) AS v` },
  { sql: `SELECT honker_result_get(1) AS v, honker_result_get(2) AS w` },
  { sql: `SELECT honker_result_sweep() AS v` },
  { sql: `SELECT notify('c', '{"n":1}') AS v` },
  { sql: `SELECT honker_lock_acquire('l', 'a', 10) AS v, honker_lock_acquire('l', 'b', 10) AS w` },
  { sql: `SELECT honker_lock_renew('l', 'a', 20) AS v, honker_lock_release('l', 'a') AS w` },
  { sql: `SELECT honker_rate_limit_try('r', 1, 60) AS v, honker_rate_limit_try('r', 1, 60) AS w` },
  { sql: `SELECT honker_rate_limit_sweep(0) AS v` },
  { sql: `SELECT honker_cron_next_after('@every 5s', 100) AS v` },
  { sql: `SELECT honker_bootstrap() AS v` },
]

const TIME_KEYS = /"(created_at|run_at|claim_expires_at|expires_at|next_fire_at|fire_at)":\d+/g

function mask(value: unknown, time: boolean | undefined): unknown {
  if (time === true) return typeof value === 'number' && value > 1_700_000_000 ? 'a unix time' : value
  return typeof value === 'string' ? value.replace(TIME_KEYS, '"$1":T') : value
}

describe.skipIf(nativeSkipReason !== null)('return shapes, compared with honker 0.5.1', () => {
  it('every function returns what honker returns for the same calls', async () => {
    const native = await nativeSql(tempDbPath(), STEPS.map(({ sql, params }) => ({ sql, params: params ?? [] })))
    const pair = openPair()
    const ours = pair.sqlite.transaction(() => STEPS.map(({ sql, params }) => pair.sqlite.prepare(sql).all(...(params ?? []))))()
    const masked = (results: Record<string, unknown>[][]) =>
      results.map((rows, i) => rows.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, mask(v, STEPS[i]!.time)]))))
    const expected = masked(native)
    const actual = masked(ours as Record<string, unknown>[][])
    for (let i = 0; i < STEPS.length; i++) expect({ step: STEPS[i]!.sql, rows: actual[i] }).toEqual({ step: STEPS[i]!.sql, rows: expected[i] })
    // The masking left real content to compare: payloads, ids, names and the two misses.
    expect(actual[2]![0]!.v).toContain('"payload":"{\\"a\\":\\"x\\\\n\\\\u0001é/\\\\\\"q\\\\\\"\\"}"')
    expect(actual[4]).toEqual([{ v: '' }])
    expect(actual[28]).toEqual([{ v: 'null', w: null }])
  })

  it('honker claims and acks jobs our functions enqueued, on the same file', async () => {
    const pair = openPair()
    const ids = [1, 2].map((n) => pair.sql<number>(`SELECT honker_enqueue('q', ?, NULL, NULL, ?, 3, NULL)`, JSON.stringify({ n }), n))
    pair.sqlite.close()
    const [claimed, acked] = await nativeSql(pair.path, [
      { sql: `SELECT honker_claim_batch('q', 'native', 5, 30) AS v` },
      { sql: `SELECT honker_ack_batch(?, 'native') AS v`, params: [JSON.stringify(ids)] },
    ])
    expect(JSON.parse(claimed![0]!.v as string).map((row: { id: number; payload: string }) => [row.id, row.payload])).toEqual(
      expect.arrayContaining([
        [ids[0], '{"n":1}'],
        [ids[1], '{"n":2}'],
      ]),
    )
    expect(acked).toEqual([{ v: 2 }])
  })
})
