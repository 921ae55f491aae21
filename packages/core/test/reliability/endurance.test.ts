import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { runEnduranceSoak } from '../../soak/lib/endurance.mjs'
import { onCleanup } from '../helpers.ts'

// Three minutes of steady load by 9 processes (the soak runs 30): memory, heap, descriptors,
// handles and timers of every process show no upward trend after warm-up; the WAL, the
// notification table and the live backlog stay bounded. How each is judged: soak/lib/endurance.mjs.
// The default run's only (vitest.config.ts): its processes open the file with the default driver.
const durationMs = Number(process.env.HONKER_ENDURANCE_MS ?? 180_000)

describe('endurance (CI size)', () => {
  it(
    `${durationMs / 1000} s of producers, workers, listeners, a stream follower and the scheduler: nothing grows that should not`,
    async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'honker-endurance-'))
      onCleanup(() => rmSync(dir, { recursive: true, force: true }))
      const report = await runEnduranceSoak({ dir, durationMs, sampleEveryMs: 5_000 })
      console.log(`[endurance CI] ${JSON.stringify({ totals: report.totals, final: report.final, maxWalMB: report.maxWalMB, perProcess: report.perProcess })}`)
      expect(report.problems).toEqual([])
      expect(report.failed).toEqual([])
      expect(report.ok).toBe(true)
      expect(report.samples).toBeGreaterThanOrEqual(durationMs / 5_000 - 1)
    },
    durationMs + 120_000,
  )
})
