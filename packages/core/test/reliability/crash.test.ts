import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { runQueueCrashSoak } from '../../soak/lib/queue-crash.mjs'
import { runStreamCrashSoak } from '../../soak/lib/stream-crash.mjs'
import { onCleanup } from '../helpers.ts'

/**
 * The CI-sized crash soak (`pnpm soak` runs the long one, see docs/reliability.md). Worker and
 * consumer processes are killed with SIGKILL at random while producers run; an independent checker
 * (raw SQLite reads and the processes' append-only logs, see soak/lib/*.mjs) proves that nothing
 * was lost and that every job run twice is explained by an expired visibility timeout.
 */
function workDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'honker-crash-'))
  onCleanup(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

describe('crash soak (CI size)', () => {
  it('queue: 2 producers, 3 workers, 5,000 jobs, workers SIGKILLed and restarted: every job acked or dead with a reason', async () => {
    const report = await runQueueCrashSoak({
      dir: workDir(),
      producers: 2,
      workers: 3,
      jobs: 5000,
      concurrency: 4,
      visibilityTimeoutS: 1,
      maxAttempts: 5,
      // Producers pace themselves so the run lasts several seconds and kills land mid-stream.
      producerPauseMs: 20,
      workMs: 4,
      killEveryMs: 700,
      maxKills: 6,
      timeoutMs: 90_000,
    })
    const summary = JSON.stringify({ ...report, stderr: report.stderr.map((s) => s.slice(0, 500)) }, null, 1)
    expect(report.timedOut, summary).toBe(false)
    expect(report.kills, summary).toBeGreaterThanOrEqual(4)
    expect(report.duplicates.byVisibilityTimeout, summary).toBeGreaterThanOrEqual(1)
    expect(report.enqueued, summary).toBe(5000)
    expect(report.lost, summary).toEqual([])
    expect(report.stuck, summary).toEqual([])
    expect(report.badDead, summary).toEqual([])
    expect(report.unexplained, summary).toEqual([])
    expect(report.problems, summary).toEqual([])
    expect(report.inBothTables).toBe(0)
    expect(report.acked + report.dead.maxAttempts + report.dead.poison, summary).toBe(5000)
    // Poison jobs (n % 97 === 13) go to _honker_dead with their handler's error: 52 of them, unless
    // a kill used up all of one's attempts first (then 'max attempts exceeded').
    expect(report.dead.poison + report.dead.maxAttempts, summary).toBeGreaterThanOrEqual(52)
    // Jobs that failed their first attempt on purpose were retried and then succeeded.
    expect(report.duplicates.byRetry, summary).toBeGreaterThanOrEqual(50)
    expect(report.busyErrors, summary).toBe(0)
    expect(report.badLogLines).toBe(0)
    expect(report.integrity).toBe('ok')
    expect(report.survivorExits.every((e) => e.code === 0), summary).toBe(true)
    expect(report.ok, summary).toBe(true)
    console.log(`[crash soak CI] ${JSON.stringify({ durationMs: report.durationMs, kills: report.kills, acked: report.acked, dead: report.dead, duplicates: report.duplicates })}`)
  })

  it('stream: a consumer SIGKILLed and restarted resumes with no gap in the offsets it handles', async () => {
    const report = await runStreamCrashSoak({
      dir: workDir(),
      events: 3000,
      saveEveryN: 25,
      publisherPauseMs: 5,
      killEveryMs: 600,
      maxKills: 4,
      timeoutMs: 60_000,
    })
    const summary = JSON.stringify(report, null, 1)
    expect(report.timedOut, summary).toBe(false)
    expect(report.kills, summary).toBeGreaterThanOrEqual(3)
    expect(report.published).toBe(3000)
    expect(report.missing, summary).toEqual([])
    expect(report.problems, summary).toEqual([])
    expect(report.maxRedeliveredAfterOneKill, summary).toBeLessThanOrEqual(25)
    expect(report.ok, summary).toBe(true)
    console.log(`[stream crash soak CI] ${JSON.stringify({ durationMs: report.durationMs, kills: report.kills, redelivered: report.redelivered, incarnations: report.incarnations.length })}`)
  })
})
