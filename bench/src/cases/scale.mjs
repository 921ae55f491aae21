/**
 * Scale (issue 20): what the database file holds after many jobs went through it. The claim-cost
 * figures at large backlogs reuse `claimAck` (src/cases/honker.mjs) and the long replay is
 * measured with its memory (src/cases/memory.mjs).
 */
import fs from 'node:fs'
import { open } from '@honker/core'
import { openLibrary } from '../lib/libraries.mjs'
import { createHonkerSchema, freshPath } from '../lib/sqlite.mjs'
import { QUEUE } from '../lib/sql.mjs'

const MB = 1024 * 1024
const noop = async () => {}

const sizeOf = (file) => (fs.existsSync(file) ? fs.statSync(file).size : 0)

/**
 * `jobs` jobs through a fresh file the way a busy queue sees them: `chunk` enqueued in one
 * `enqueueMany`, drained by `queue.work(noop, { concurrency: 8 })`, then `queue.sweepExpired()`
 * (the worker's sweep, which applies the history retention), and again until `jobs` went through.
 * Acked jobs are deleted from `_honker_live`; with `keepCompleted` they are kept in
 * `_honker_history` up to that many (`setHistory`) and the sweep prunes the rest. Returns the
 * file's size once closed (the last connection's close writes the WAL back and removes it).
 */
async function processThrough(file, { jobs, chunk, keepCompleted, timeoutMs }) {
  createHonkerSchema(file)
  const db = open(file)
  const queue = db.queue(QUEUE)
  if (keepCompleted !== undefined) queue.setHistory({ keepCompleted: { maxCount: keepCompleted } })
  const worker = queue.work(noop, { concurrency: 8 })
  const errors = []
  worker.on('worker:error', (error) => errors.push(String(error?.message ?? error)))
  let completed = 0
  let target = 0
  let reached = () => {}
  worker.on('job:completed', () => {
    if (++completed === target) reached()
  })
  let walPeak = 0
  let i = 0
  for (let done = 0; done < jobs; done += chunk) {
    const count = Math.min(chunk, jobs - done)
    target = done + count
    let timer
    const drained = new Promise((resolve, reject) => {
      reached = resolve
      timer = setTimeout(() => reject(new Error(`${completed} of ${target} jobs done after ${timeoutMs} ms`)), timeoutMs)
    })
    queue.enqueueMany(Array.from({ length: count }, () => ({ i: i++ })))
    await drained
    clearTimeout(timer)
    queue.sweepExpired()
    walPeak = Math.max(walPeak, sizeOf(`${file}-wal`))
  }
  await worker.stop({ timeoutMs: 5000 })
  db.close()
  if (errors.length > 0) throw new Error(`worker errors: ${errors.slice(0, 3).join('; ')}`)
  const raw = openLibrary(file)
  const pages = {
    page_count: Number(raw.prepare('PRAGMA page_count').get().page_count),
    freelist_count: Number(raw.prepare('PRAGMA freelist_count').get().freelist_count),
    history: Number(raw.prepare('SELECT count(*) AS n FROM _honker_history').get().n),
    live: Number(raw.prepare('SELECT count(*) AS n FROM _honker_live').get().n),
  }
  raw.close()
  return { mb: (sizeOf(file) + sizeOf(`${file}-wal`)) / MB, walPeakMb: walPeak / MB, ...pages }
}

/**
 * The file after `small` jobs processed and after `big` jobs processed (each on a fresh file, the
 * same chunking): if freed pages are reused, the second stays near the first.
 */
export async function fileSize({ workDir, small, big, chunk, keepCompleted, timeoutMs = 120_000 }) {
  const tag = keepCompleted === undefined ? 'default' : 'history'
  const first = await processThrough(freshPath(workDir, `scale-file-${tag}-small`), { jobs: small, chunk, keepCompleted, timeoutMs })
  const second = await processThrough(freshPath(workDir, `scale-file-${tag}-big`), { jobs: big, chunk, keepCompleted, timeoutMs })
  return {
    values: { small: first.mb, big: second.mb },
    units: small + big,
    detail: { small: first, big: second },
  }
}
