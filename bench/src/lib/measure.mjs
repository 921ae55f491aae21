/**
 * Throughput loop shared by every in-process figure: a warm-up (JIT, page cache, prepared
 * statements) that is not timed, then `units` of work timed as one span. `step()` does one unit
 * batch and returns how many units it did, so "100 rows per transaction" counts rows.
 */
export function throughput(step, { units, warmupUnits = Math.ceil(units / 10), maxMs = Infinity, minUnits = 1 }) {
  let warm = 0
  while (warm < warmupUnits) warm += step()
  let done = 0
  const start = performance.now()
  let now = start
  while (done < units) {
    done += step()
    // A time budget keeps O(backlog) implementations (honker native claims) from running for minutes.
    if (done >= minUnits && (now = performance.now()) - start > maxMs) break
  }
  const elapsedMs = performance.now() - start
  return { value: (done * 1000) / elapsedMs, units: done, elapsedMs }
}

/** The async twin of `throughput` for APIs that return promises (liteque, BullMQ). */
export async function throughputAsync(step, { units, warmupUnits = Math.ceil(units / 10), maxMs = Infinity, minUnits = 1 }) {
  let warm = 0
  while (warm < warmupUnits) warm += await step()
  let done = 0
  const start = performance.now()
  while (done < units) {
    done += await step()
    if (done >= minUnits && performance.now() - start > maxMs) break
  }
  const elapsedMs = performance.now() - start
  return { value: (done * 1000) / elapsedMs, units: done, elapsedMs }
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** Resolve when `predicate()` is true, checking every `everyMs`; reject after `timeoutMs`. */
export async function until(predicate, { everyMs = 5, timeoutMs = 120_000, what = 'condition' } = {}) {
  const deadline = performance.now() + timeoutMs
  while (!(await predicate())) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(everyMs)
  }
}

/**
 * A promise settled from an event handler (e.g. on the last job's completion), rejecting after
 * `timeoutMs`. Event-driven on purpose: polling for completion would add timer wake-ups to the
 * process being measured.
 */
export function completion(timeoutMs, what) {
  let resolve
  let reject
  const promise = new Promise((res, rej) => {
    resolve = res
    reject = rej
  })
  const timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs)
  return {
    promise,
    done(value) {
      clearTimeout(timer)
      resolve(value)
    },
    fail(error) {
      clearTimeout(timer)
      reject(error)
    },
  }
}
