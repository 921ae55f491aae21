import { readdirSync, writeFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { open, type Listener } from '@honker/core'
import { activeWatcherCount } from '@honker/core/adapter'
import { collectClosedConnections, onCleanup, sleep, tempDbPath } from '../helpers.ts'

/**
 * Resource bounds: consumers share one commit watcher per file, and opening and closing a
 * database leaks nothing (file descriptors, timers, handles, process listeners, watchers).
 */

function fdCount(): number {
  return readdirSync('/proc/self/fd').length
}

/** Active libuv resources by type ('FSEventWrap', 'Timeout', ...), from Node's own accounting. */
function resources(): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const type of process.getActiveResourcesInfo()) counts[type] = (counts[type] ?? 0) + 1
  return counts
}

function processListeners(): Record<string, number> {
  return Object.fromEntries(process.eventNames().map((name) => [String(name), process.listenerCount(name)]))
}

/** How much each entry of `after` grew over `before` (only the ones that grew). */
function grown(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {}
  for (const [key, n] of Object.entries(after)) if (n > (before[key] ?? 0)) out[key] = n - (before[key] ?? 0)
  return out
}

/** The same snapshot a little later: lets closed handles finish closing (libuv closes on the next tick). */
async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve))
  await sleep(20)
}

describe('resource bounds', () => {
  it('1,000 listeners on one database share one watcher: descriptors, handles and timers do not grow per listener', async () => {
    const file = tempDbPath()
    const watchersBefore = activeWatcherCount()
    const db = open(file)
    onCleanup(() => db.close())
    const listeners: Listener[] = []
    const pending: Promise<IteratorResult<unknown>>[] = []
    const listen = () => {
      const listener = db.listen('fan-out', { fallbackPollMs: null })
      listeners.push(listener)
      pending.push(listener.next())
    }
    listen() // the first one opens the watcher (its connection, its directory watch)
    await settle()
    const fds = fdCount()
    const handles = resources()
    expect(activeWatcherCount()).toBe(watchersBefore + 1)

    for (let i = 1; i < 1000; i++) listen()
    await settle()
    expect(activeWatcherCount()).toBe(watchersBefore + 1)
    // 999 more listeners: anything kept per listener would add ~999. A few may come or go in the
    // meantime from the rest of this process (the test runner, an earlier test's children closing).
    const report = JSON.stringify({ fds, handles, nowFds: fdCount(), now: resources() })
    expect(fdCount() - fds, report).toBeLessThan(5)
    for (const [type, n] of Object.entries(resources())) expect(n - (handles[type] ?? 0), `${type}: ${report}`).toBeLessThan(5)

    // One commit reaches all of them.
    const id = db.notify('fan-out', { to: 'everyone' })
    const delivered = await Promise.all(pending)
    expect(delivered.every((r) => !r.done && (r.value as { id: number }).id === id)).toBe(true)

    for (const listener of listeners) listener.close()
    db.close()
    await settle()
    expect(activeWatcherCount()).toBe(watchersBefore)
  })

  // Sized by work: the soak asks for 100,000 cycles, which take 37 s on one VM and over 60 s on a
  // slower one; the timeout allows 3 ms a cycle (ten times the faster VM's rate).
  const cycles = Number(process.env.HONKER_OPEN_CLOSE_CYCLES ?? 10_000)
  const progressFile = process.env.HONKER_OPEN_CLOSE_PROGRESS
  it(`opening and closing a database ${cycles.toLocaleString('en')} times leaks no descriptors, timers, handles, listeners or watchers`, async () => {
    const file = tempDbPath()
    const cycle = (i: number) => {
      const db = open(file)
      if (i % 10 === 0) {
        // Every tenth handle also starts and stops a consumer, so the watcher is created and torn down.
        const listener = db.listen('churn')
        listener.close()
      }
      if (i % 50 === 0) db.queue('churn').enqueue({ i })
      db.close()
    }
    for (let i = 0; i < 20; i++) cycle(i) // warm up: lazy module state, prepared-statement caches
    await collectClosedConnections()
    await settle()
    const before = { fds: fdCount(), resources: resources(), listeners: processListeners(), watchers: activeWatcherCount() }

    const startedAt = performance.now()
    for (let i = 0; i < cycles; i++) {
      cycle(i)
      if (i % 1000 === 999) {
        await settle() // let libuv close what was closed
        // The soak reads how far it got: a run that times out is reported as a timeout, with its rate.
        if (progressFile !== undefined) writeFileSync(progressFile, JSON.stringify({ done: i + 1, elapsedMs: performance.now() - startedAt }))
      }
    }
    // Gap on libsql: close() lets go of the file only once the statements Honker detached are
    // collected (thousands of descriptors would be open here until the next collection).
    await collectClosedConnections()
    await settle()
    const after = { fds: fdCount(), resources: resources(), listeners: processListeners(), watchers: activeWatcherCount() }
    // Nothing may grow with the number of cycles: a leak of one descriptor, timer or listener per
    // open would show thousands. (A few may come and go from the rest of this process meanwhile.)
    const report = JSON.stringify({ before, after })
    expect(after.fds - before.fds, report).toBeLessThan(5)
    expect(after.watchers).toBe(before.watchers)
    for (const [type, n] of Object.entries(grown(before.resources, after.resources))) expect(n, `${type}: ${report}`).toBeLessThan(5)
    for (const [name, n] of Object.entries(grown(before.listeners, after.listeners))) expect(n, `${name}: ${report}`).toBeLessThan(5)
    const check = open(file)
    onCleanup(() => check.close())
    expect(check.queue('churn').counts().pending).toBe(Math.ceil(cycles / 50) + 1)
  }, Math.max(60_000, cycles * 3))
})
