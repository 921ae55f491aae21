import { describe, expect, it } from 'vitest'
import { open } from '@honker/core'
import { onCleanup, runCli, tempDbPath } from './helpers.ts'

/** Parse Prometheus text (format 0.0.4) back: families with their HELP and TYPE, and samples. */
export function parsePrometheus(text: string) {
  const types = new Map<string, string>()
  const helps = new Map<string, string>()
  const samples: { name: string; labels: Record<string, string>; value: number }[] = []
  expect(text.endsWith('\n')).toBe(true)
  for (const line of text.slice(0, -1).split('\n')) {
    let match: RegExpExecArray | null
    if ((match = /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line))) helps.set(match[1]!, match[2]!)
    else if ((match = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line))) types.set(match[1]!, match[2]!)
    else if ((match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (-?[0-9.eE+-]+|NaN|[+-]Inf)$/.exec(line))) {
      const labels: Record<string, string> = {}
      const body = match[2] ?? ''
      const labelPattern = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)/gy
      let consumed = 0
      for (const m of body.matchAll(labelPattern)) {
        labels[m[1]!] = m[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c))
        consumed += m[0].length
      }
      expect(consumed).toBe(body.length)
      expect(types.has(match[1]!)).toBe(true) // TYPE comes before the family's samples
      samples.push({ name: match[1]!, labels, value: Number(match[3]) })
    } else throw new Error(`not Prometheus text: ${JSON.stringify(line)}`)
  }
  return { types, helps, samples }
}

describe('honker metrics', () => {
  it('prints queue depth by state, dead letters and the oldest pending age as Prometheus text', async () => {
    const file = tempDbPath()
    const db = open(file)
    onCleanup(() => db.close())
    const now = Math.floor(Date.now() / 1000)
    const emails = db.queue('emails')
    emails.enqueue(1, { runAt: now - 120 })
    emails.enqueue(2, { delayS: 3600 })
    emails.enqueue(3, { priority: 9 })
    emails.claimOne('w')
    const odd = db.queue('we"ird\\name')
    odd.enqueue(1)
    odd.claimOne('w')!.fail(new Error('x'))
    const result = await runCli(['metrics', '--db', file])
    expect(result.code).toBe(0)
    const { types, samples } = parsePrometheus(result.stdout)
    expect(types.get('honker_queue_jobs')).toBe('gauge')
    const jobs = (queue: string, state: string) => samples.find((s) => s.name === 'honker_queue_jobs' && s.labels.queue === queue && s.labels.state === state)?.value
    expect([jobs('emails', 'pending'), jobs('emails', 'delayed'), jobs('emails', 'processing'), jobs('emails', 'dead')]).toEqual([1, 1, 1, 0])
    expect(jobs('we"ird\\name', 'dead')).toBe(1)
    const age = samples.find((s) => s.name === 'honker_queue_oldest_pending_age_seconds' && s.labels.queue === 'emails')!.value
    expect(age).toBeGreaterThanOrEqual(119)
    expect(age).toBeLessThan(200)
    expect(samples.find((s) => s.name === 'honker_queues')!.value).toBe(2)
  })

  it('refuses a file that is not a honker database', async () => {
    const result = await runCli(['metrics', '--db', tempDbPath('missing.db')])
    expect(result.code).not.toBe(0)
  })
})
