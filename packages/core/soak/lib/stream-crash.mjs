// The stream crash soak: a publisher process appends `events` events to one topic while a consumer
// process follows it under one consumer name and is killed with SIGKILL at random and restarted
// (it resumes from its saved offset). The checker proves, from the topic's rows and the consumer's
// append-only logs:
//
// - no gap: each incarnation handled exactly the run of the topic's offsets that follows the offset
//   it resumed after, in order, with none skipped; together they cover every published event;
// - bounded redelivery: after each kill the next incarnation re-handles only events the killed one
//   had not yet saved, at most `saveEveryN` of them (count-based saves);
// - the final saved offset is the topic's last offset.
//
// Used by test/reliability/crash.test.ts (short) and soak/run.mjs (long).
import { mkdirSync } from 'node:fs'
import path from 'node:path'
import Database from '../../test/support/raw-sqlite.mjs'
import { open } from '@honker/core'
import { killAndWait, randomBetween, readLog, sleep, spawnScript } from './processes.mjs'
import { killThresholds } from './queue-crash.mjs'

const TOPIC = 'orders'
const CONSUMER = 'billing'

export async function runStreamCrashSoak(options) {
  const o = {
    events: 3000,
    batch: 20,
    publisherPauseMs: 2,
    saveEveryN: 25,
    workMs: 1,
    killEveryMs: 800,
    maxKills: 3,
    restartDelayMs: 100,
    timeoutMs: 120_000,
    onProgress: () => {},
    ...options,
  }
  mkdirSync(o.dir, { recursive: true })
  const dbFile = path.join(o.dir, 'stream.db')
  open(dbFile).close()
  const startedAt = performance.now()
  const publisherLog = path.join(o.dir, 'publisher.log')
  const publisher = spawnScript('reliability-producer.mjs', {
    db: dbFile, log: publisherLog, mode: 'stream', topic: TOPIC, from: 0, to: o.events, batch: o.batch, pauseMs: o.publisherPauseMs, markLast: true,
  })
  const consumerLogs = []
  const startConsumer = () => {
    const log = path.join(o.dir, `consumer-${consumerLogs.length}.log`)
    consumerLogs.push(log)
    return spawnScript('reliability-stream-consumer.mjs', { db: dbFile, log, topic: TOPIC, consumer: CONSUMER, saveEveryN: o.saveEveryN, workMs: o.workMs })
  }
  let consumer = startConsumer()
  const consumers = [consumer]
  let kills = 0
  let timedOut = false
  let nextKillAt = performance.now() + randomBetween(o.killEveryMs / 2, (o.killEveryMs * 3) / 2)
  let lastProgress = 0
  // Progress is the consumer's saved offset, as a count of the topic's events.
  const thresholds = killThresholds(o.events, o.maxKills)
  const progressReader = new Database(dbFile, { readonly: true })
  const progress = progressReader.prepare(
    `SELECT count(*) FROM _honker_stream WHERE topic = ? AND offset <= coalesce((SELECT offset FROM _honker_stream_consumers WHERE name = ? AND topic = ?), 0)`,
  ).pluck()
  try {
    for (;;) {
      if (!consumer.running) {
        const exit = await consumer.exited
        if (exit.code === 0) break
        throw new Error(`stream consumer exited with ${exit.code ?? exit.signal}: ${consumer.stderr()}`)
      }
      if (performance.now() - startedAt > o.timeoutMs) {
        timedOut = true
        break
      }
      const due = performance.now() >= nextKillAt || (thresholds[kills] !== undefined && progress.get(TOPIC, CONSUMER, TOPIC) >= thresholds[kills])
      if (kills < o.maxKills && due) {
        await killAndWait(consumer, 'SIGKILL')
        // It may have finished just before the signal: only a killed incarnation is restarted.
        if ((await consumer.exited).code === 0) break
        kills++
        await sleep(o.restartDelayMs)
        consumer = startConsumer()
        consumers.push(consumer)
        nextKillAt = performance.now() + randomBetween(o.killEveryMs / 2, (o.killEveryMs * 3) / 2)
      }
      if (performance.now() - lastProgress > 5000) {
        lastProgress = performance.now()
        o.onProgress({ kills, elapsedMs: Math.round(lastProgress - startedAt) })
      }
      await sleep(20)
    }
  } finally {
    progressReader.close()
    for (const c of consumers) await killAndWait(c)
    await killAndWait(publisher)
  }
  const durationMs = Math.round(performance.now() - startedAt)

  const reader = new Database(dbFile, { readonly: true })
  const offsets = reader.prepare('SELECT offset FROM _honker_stream WHERE topic = ? ORDER BY offset').pluck().all(TOPIC)
  const saved = reader.prepare('SELECT offset FROM _honker_stream_consumers WHERE name = ? AND topic = ?').pluck().get(CONSUMER, TOPIC) ?? 0
  const integrity = reader.pragma('integrity_check', { simple: true })
  reader.close()

  const problems = []
  const published = readLog(publisherLog).entries.filter((e) => e.e === 'P')
  if (published.length !== o.events) problems.push(`publisher logged ${published.length} events, expected ${o.events}`)
  if (offsets.length !== o.events) problems.push(`topic holds ${offsets.length} events, expected ${o.events}`)
  const indexOf = new Map(offsets.map((offset, i) => [offset, i]))
  const handledAll = new Set()
  const incarnations = []
  let redelivered = 0
  let maxRedelivered = 0
  let previousLast = 0
  let badLines = 0
  for (const [k, file] of consumerLogs.entries()) {
    const { entries, bad } = readLog(file)
    badLines += bad
    const start = entries.find((e) => e.e === 'START')
    const handled = entries.filter((e) => e.e === 'H').map((e) => e.o)
    incarnations.push({ resumedAfter: start?.saved ?? null, handled: handled.length, done: entries.some((e) => e.e === 'DONE') })
    if (start === undefined) {
      // Killed before it logged its start: it handled nothing (it logs START before the first read).
      if (handled.length > 0) problems.push(`consumer ${k} handled events without a START line`)
      continue
    }
    // Expected: the topic's offsets right after the one it resumed from, contiguously.
    let expectedIndex = start.saved === 0 ? 0 : (indexOf.get(start.saved) ?? -2) + 1
    if (expectedIndex < 0) problems.push(`consumer ${k} resumed after ${start.saved}, which is not an offset of the topic`)
    for (const offset of handled) {
      if (offsets[expectedIndex] !== offset) {
        problems.push(`consumer ${k}: handled ${offset}, expected ${offsets[expectedIndex]} (gap or reordering)`)
        break
      }
      expectedIndex++
      handledAll.add(offset)
    }
    // Redelivery: events this incarnation handled that the previous one had already handled.
    if (k > 0) {
      if (start.saved > previousLast) problems.push(`consumer ${k} resumed after ${start.saved}, beyond the last handled ${previousLast}`)
      const again = handled.filter((offset) => offset <= previousLast).length
      redelivered += again
      maxRedelivered = Math.max(maxRedelivered, again)
      if (again > o.saveEveryN) problems.push(`consumer ${k} re-handled ${again} events, more than saveEveryN ${o.saveEveryN}`)
    }
    if (handled.length > 0) previousLast = Math.max(previousLast, handled[handled.length - 1])
  }
  const missing = offsets.filter((offset) => !handledAll.has(offset))
  const last = offsets[offsets.length - 1] ?? 0
  if (saved !== last) problems.push(`final saved offset ${saved}, expected the topic's last ${last}`)
  if (!incarnations.at(-1)?.done) problems.push('the last consumer did not finish')

  return {
    ok: !timedOut && missing.length === 0 && problems.length === 0 && badLines === 0 && integrity === 'ok',
    parameters: { events: o.events, saveEveryN: o.saveEveryN, killEveryMs: o.killEveryMs, maxKills: o.maxKills },
    durationMs,
    timedOut,
    kills,
    incarnations,
    published: offsets.length,
    missing: missing.slice(0, 20),
    missingCount: missing.length,
    redelivered,
    maxRedeliveredAfterOneKill: maxRedelivered,
    finalSavedOffset: saved,
    integrity,
    badLogLines: badLines,
    problems: problems.slice(0, 20),
    stderr: consumers.map((c) => c.stderr()).concat([publisher.stderr()]).filter((s) => s.trim() !== ''),
  }
}
