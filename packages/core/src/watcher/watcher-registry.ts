import fs from 'node:fs'
import type { Driver } from '../driver/driver.ts'
import { CommitWatcher, type WatcherOptions } from './commit-watcher.ts'

/**
 * Process-wide: every `open()` of the same file with the same watcher settings shares one
 * watcher, so a thousand listeners cost one connection and one set of timers (pitfall 8.3.13).
 */
const watchers = new Map<string, { watcher: CommitWatcher; users: number }>()

function keyOf(file: string, options: WatcherOptions): string {
  let real = file
  try {
    real = fs.realpathSync(file)
  } catch {
    // Keep the given path: the watcher's own open will report the problem.
  }
  return JSON.stringify([
    real,
    options.mode ?? 'events',
    options.pollIntervalMs,
    options.fallbackIntervalMs,
    options.burstMs,
    options.fileEvents ?? true,
  ])
}

export interface WatcherLease {
  readonly watcher: CommitWatcher
  release(): void
}

export function acquireWatcher(file: string, driver: Driver, options: WatcherOptions): WatcherLease {
  const key = keyOf(file, options)
  let entry = watchers.get(key)
  if (entry === undefined || entry.watcher.error !== null) {
    entry = { watcher: new CommitWatcher(file, driver, options), users: 0 }
    watchers.set(key, entry)
  }
  entry.users++
  const held = entry
  let released = false
  return {
    watcher: held.watcher,
    release(): void {
      if (released) return
      released = true
      if (--held.users > 0) return
      held.watcher.close()
      if (watchers.get(key) === held) watchers.delete(key)
    },
  }
}

/** Number of live watchers in this process (resource-bound tests). */
export function activeWatcherCount(): number {
  return watchers.size
}
