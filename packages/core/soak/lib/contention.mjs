// The contention soak: `processes` mixer processes (test/fixtures/reliability-mixer.mjs) share one
// file for `durationMs`, mixing every kind of write and read Honker does. It passes when no
// SQLITE_BUSY reaches any caller (errors with code 'busy': 0), every process finishes (no deadlock:
// each exits on its own within a grace period), background listeners and stream followers see
// their rows in order, no claim is left behind and the file passes integrity_check.
//
// Used by test/reliability/contention.test.ts (short) and soak/run.mjs (long).
import { mkdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import Database from '../../test/support/raw-sqlite.mjs'
import { open } from '@honker/core'
import { killAndWait, spawnScript, within } from './processes.mjs'

export async function runContentionSoak(options) {
  const o = { processes: 8, durationMs: 10_000, graceMs: 30_000, ...options }
  mkdirSync(o.dir, { recursive: true })
  const dbFile = path.join(o.dir, 'contention.db')
  const setup = open(dbFile)
  setup.transaction((tx) => tx.run('CREATE TABLE IF NOT EXISTS app_orders (id INTEGER PRIMARY KEY, note TEXT NOT NULL)'))
  setup.close()

  const startedAt = performance.now()
  const mixers = Array.from({ length: o.processes }, (_, index) => {
    const result = path.join(o.dir, `mixer-${index}.json`)
    return { index, result, proc: spawnScript('reliability-mixer.mjs', { db: dbFile, index, durationMs: o.durationMs, result }) }
  })
  const all = Promise.all(mixers.map((m) => m.proc.exited))
  const finished = await within(all, o.durationMs + o.graceMs)
  const hung = mixers.filter((m) => m.proc.running).map((m) => m.index)
  for (const m of mixers) await killAndWait(m.proc)
  const durationMs = Math.round(performance.now() - startedAt)

  const ops = {}
  const errors = {}
  const samples = {}
  const exits = []
  const problems = []
  for (const m of mixers) {
    const exit = await m.proc.exited
    exits.push(exit)
    if (exit.code !== 0) problems.push(`mixer ${m.index} exited with ${exit.code ?? exit.signal}: ${m.proc.stderr().slice(0, 500)}`)
    let result
    try {
      result = JSON.parse(readFileSync(m.result, 'utf8'))
    } catch {
      problems.push(`mixer ${m.index} wrote no result`)
      continue
    }
    for (const [k, v] of Object.entries(result.ops)) ops[k] = (ops[k] ?? 0) + v
    for (const [k, v] of Object.entries(result.errors)) errors[k] = (errors[k] ?? 0) + v
    Object.assign(samples, result.samples)
    if ((result.ops.received ?? 0) === 0) problems.push(`mixer ${m.index}'s listener received nothing`)
  }
  const reader = new Database(dbFile, { readonly: true })
  const integrity = reader.pragma('integrity_check', { simple: true })
  const inBoth = reader.prepare('SELECT count(*) FROM _honker_live l JOIN _honker_dead d ON d.id = l.id').pluck().get()
  const leftProcessing = reader.prepare(`SELECT count(*) FROM _honker_live WHERE state = 'processing'`).pluck().get()
  reader.close()
  const totalOps = Object.entries(ops)
    .filter(([k]) => !['received', 'followed', 'worked', 'claimLost', 'notificationOutOfOrder', 'streamOutOfOrder'].includes(k))
    .reduce((sum, [, v]) => sum + v, 0)
  const outOfOrder = (ops.notificationOutOfOrder ?? 0) + (ops.streamOutOfOrder ?? 0)
  return {
    ok: finished !== null && hung.length === 0 && (errors.busy ?? 0) === 0 && Object.keys(errors).length === 0 && problems.length === 0 && integrity === 'ok' && inBoth === 0 && leftProcessing === 0 && outOfOrder === 0,
    parameters: { processes: o.processes, durationMs: o.durationMs },
    durationMs,
    hung,
    exits,
    totalOps,
    ops,
    errors,
    busyErrors: errors.busy ?? 0,
    samples,
    outOfOrder,
    integrity,
    inBothTables: inBoth,
    leftProcessing,
    problems,
  }
}
