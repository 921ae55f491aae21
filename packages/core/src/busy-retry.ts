import { HonkerError } from './errors/honker-error.ts'
import { isThenable } from './executor/executor.ts'
import type { Host } from './host.ts'

/** How long one attempt may block the thread waiting for the write lock. */
const SHORT_BUSY_TIMEOUT_MS = 20
/** Give up (and surface `busy`) after retrying this long. */
const RETRY_DEADLINE_MS = 30_000

/**
 * Run a write with a short busy timeout and retry it asynchronously while the database is busy.
 *
 * better-sqlite3 waits for a lock synchronously. When the lock holder is another connection of
 * this same process (an ORM's async transaction awaiting between statements, such as Kysely's
 * or Prisma's), a 5 s busy wait freezes the very thread that would finish that transaction, so
 * the wait always times out. Failing fast and sleeping on the event loop lets it commit first.
 * @internal
 */
export async function retryWhileBusy<T>(host: Pick<Host, 'withBusyTimeout'>, operation: () => T | Promise<T>): Promise<T> {
  const deadline = performance.now() + RETRY_DEADLINE_MS
  for (let attempt = 0; ; attempt++) {
    try {
      const value = host.withBusyTimeout(SHORT_BUSY_TIMEOUT_MS, operation)
      // An engine over the network answers later; its busy errors must land in this catch too.
      return isThenable(value) ? await value : value
    } catch (error) {
      if (!HonkerError.isInstance(error, 'busy') || performance.now() >= deadline) throw error
      const backoffMs = Math.min(50, 1 + attempt * 2) * (0.5 + Math.random())
      await new Promise((resolve) => setTimeout(resolve, backoffMs))
    }
  }
}
