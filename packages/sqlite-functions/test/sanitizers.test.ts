// The extension under AddressSanitizer and UndefinedBehaviorSanitizer, fed a generated fuzz of
// every function (fuzz/fuzz.c): each argument as NULL, edge integers, reals, empty, 64 KiB and
// 1 MiB text, invalid UTF-8, embedded NULs, blobs; wrong arity; outside and inside transactions
// and from triggers. CI runs one fixed seed; `pnpm soak` runs more seeds and calls
// (HONKER_FUZZ_SEEDS, HONKER_FUZZ_CALLS).
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { buildFuzz, SANITIZER_ENV } from '../fuzz/build-fuzz.mjs'

const calls = Number(process.env.HONKER_FUZZ_CALLS ?? 20_000)
const seeds = (process.env.HONKER_FUZZ_SEEDS ?? '1').split(',').map(Number)

interface FuzzReport {
  functions: number
  calls: number
  ok: number
  errors: number
  unclearErrors: number
  plain: number
  inTransaction: number
  fromTrigger: number
  integrity: string
  neverSucceeded: string[]
}

/** Run without blocking the test worker's event loop (a long spawnSync starves vitest's own RPC). */
function runFuzz(binary: string, args: string[]): Promise<{ status: number | null; signal: string | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(binary, args, { encoding: 'utf8', env: { ...process.env, ...SANITIZER_ENV }, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const failure = error as (Error & { code?: number | string; signal?: string }) | null
      resolve({
        status: failure === null ? 0 : typeof failure.code === 'number' ? failure.code : null,
        signal: failure?.signal ?? null,
        stdout,
        stderr,
      })
    })
  })
}

describe('the SQL functions under AddressSanitizer and UndefinedBehaviorSanitizer', () => {
  it(
    `a fuzz of every function (${calls.toLocaleString('en')} calls, seed ${seeds.join(', ')}): no crash, no report, every failure an SQL error with a message, integrity ok`,
    async () => {
      const binary = buildFuzz()
      for (const seed of seeds) {
        const dir = mkdtempSync(path.join(tmpdir(), 'honker-fuzz-'))
        try {
          const run = await runFuzz(binary, [path.join(dir, 'fuzz.db'), String(seed), String(calls)])
          // A sanitizer report (or a crash) ends the run early with a non-zero status and the report on stderr.
          expect({ seed, status: run.status, signal: run.signal, stderr: run.stderr.slice(0, 4000) }).toEqual({ seed, status: 0, signal: null, stderr: '' })
          const report = JSON.parse(run.stdout) as FuzzReport
          expect(report.calls).toBe(calls)
          expect(report.functions).toBeGreaterThanOrEqual(35)
          expect(report.integrity).toBe('ok')
          expect(report.unclearErrors).toBe(0)
          expect(report.errors).toBeGreaterThan(0)
          // The fuzz reaches past the argument checks: nearly every function also ran to the end.
          expect(report.neverSucceeded.length).toBeLessThanOrEqual(3)
          expect(Math.min(report.plain, report.inTransaction, report.fromTrigger)).toBeGreaterThan(calls / 4)
        } finally {
          rmSync(dir, { recursive: true, force: true })
        }
      }
    },
    Math.max(120_000, calls * seeds.length * 2),
  )
})
