// The clock cross-process latencies are timed with must be one clock for every process and
// runtime: a reading taken in a child (Node 20, Node 24, Bun) falls between the parent's readings
// just before the child started and just after it exited. Each process's
// `performance.timeOrigin + performance.now()`, used before, was off by 0.3-1.3 ms between processes,
// and Bun's process.hrtime counts from the process's start (tens of seconds off here).
import { execFile } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { ensureRuntimes } from '../../scripts/runtimes.mjs'
import { monotonicMs } from '../src/lib/clock.mjs'

const run = promisify(execFile)
const CLOCK = pathToFileURL(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src/lib/clock.mjs')).href
const READ = `const { monotonicMs } = await import(${JSON.stringify(CLOCK)}); console.log(monotonicMs())`

describe('monotonicMs', () => {
  const runtimes = ensureRuntimes()
  const cases = [
    ['Node 20', process.execPath, ['--input-type=module', '-e', READ]],
    ['Node 24', runtimes.node24, ['--input-type=module', '-e', READ]],
    ['Bun', runtimes.bun, ['-e', READ]],
  ]
  it.each(cases)('a reading in %s lies between this process\'s readings around it', async (_name, binary, args) => {
    const before = monotonicMs()
    const { stdout } = await run(binary, args, { timeout: 30_000 })
    const after = monotonicMs()
    const child = Number(stdout.trim())
    expect(child).toBeGreaterThan(before)
    expect(child).toBeLessThan(after)
  }, 60_000)

  it('moves forward within a process', () => {
    const first = monotonicMs()
    const second = monotonicMs()
    expect(second).toBeGreaterThanOrEqual(first)
    expect(first).toBeGreaterThan(0)
  })
})
