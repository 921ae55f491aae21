// Smoke test of the memory and scale figures (issue 20, src/figures-scale.mjs): one round at quick
// sizes must give every figure a value, the ratios their references and the targets a verdict.
// No assertion is about speed or size.
import { execFile } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { SCALE_CASES } from '../src/figures-scale.mjs'
import { CASES, TOPICS, selectCases } from '../src/figures.mjs'

const run = promisify(execFile)
const BENCH = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'honker-bench-scale-'))
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }))

describe('memory and scale figures', () => {
  it('are part of the main suite, under their own topics', () => {
    for (const c of SCALE_CASES) expect(CASES).toContain(c)
    expect(TOPICS.map(([topic]) => topic)).toEqual(expect.arrayContaining(['memory', 'scale']))
    // The long replay brings the 500,000-event replay it is compared with, and that one its raw reference.
    expect(selectCases('memory').map((c) => c.id).sort()).toEqual(
      ['honker.memory.listeners', 'honker.memory.worker', 'honker.memory.worker.capped', 'honker.scale.replay', 'honker.stream.replay', 'raw.stream.replay'],
    )
  })

  it('run at quick sizes and report every figure with its reference and verdict', async () => {
    const out = path.join(tmp, 'scale.md')
    const json = path.join(tmp, 'scale.json')
    await run(
      process.execPath,
      ['src/run.mjs', '--quick', '--only', 'memory,scale', '--scale', '0.1', '--runs', '1', '--out', out, '--json', json, '--dir', tmp],
      { cwd: BENCH, timeout: 50_000 },
    )
    const report = JSON.parse(fs.readFileSync(json, 'utf8'))
    const ids = [...SCALE_CASES.flatMap((c) => c.figures.map((f) => f.id)), 'honker.stream.replay', 'raw.stream.replay'].sort()
    expect(report.figures.map((f) => f.id).sort()).toEqual(ids)
    for (const figure of report.figures) {
      expect(figure.errors, figure.id).toEqual([])
      expect(figure.skip, figure.id).toBeNull()
      // Growth may be anything (RSS can shrink); everything else is a positive amount.
      if (!/\.growth(\.|$)/.test(figure.id)) expect(figure.median, figure.id).toBeGreaterThan(0)
      if (figure.ref !== undefined) expect(figure.ratio, figure.id).toBeGreaterThan(0)
      if (figure.target !== undefined) expect(['pass', 'miss'], figure.id).toContain(figure.status)
    }
    const markdown = fs.readFileSync(out, 'utf8')
    expect(markdown).toMatch(/\| worker process at rest: .* \| `honker\.memory\.worker\.rest` \| [\d.]+ MB \|/)
    expect(markdown).toMatch(/\| database file after 1,000,000 jobs processed, .* \| ≤ 2× `honker\.scale\.file\.10k` \| [\d.]+ MB \| \d+\.\d\d× \|/)
  })
})
