// The helpers of the per-runtime suites: plain JavaScript, so Bun and Node 24 run a suite as it
// is, over the built packages (an adapter's test/runtimes/*.mjs imports them as
// '@honker/testkit/checks'). A suite prints one JSON line per check ({ check, ok, error }) and a
// final { done, ... }; `runRuntimeSuite` in src/runtime-suite.ts spawns it and collects them.
import { HonkerError } from '@honker/core'

/** One JSON line on stdout. */
export const say = (message) => process.stdout.write(JSON.stringify(message) + '\n')

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

export function assert(condition, message) {
  if (!condition) throw new Error(message)
}

/** JSON with bigints written as `12n`: Kysely reports changes and rowids as bigints. */
const show = (value) => JSON.stringify(value, (_key, v) => (typeof v === 'bigint' ? `${v}n` : v))

export function equal(actual, expected, what) {
  const a = show(actual)
  const e = show(expected)
  if (a !== e) throw new Error(`${what}: expected ${e}, got ${a}`)
}

/** The error's Honker code (or a description of an uncoded error), or 'no error'. */
export function codeOf(fn) {
  try {
    fn()
  } catch (error) {
    return describeError(error)
  }
  return 'no error'
}

/** `codeOf` for a function that may return a promise. */
export async function codeOfAsync(fn) {
  try {
    await fn()
  } catch (error) {
    return describeError(error)
  }
  return 'no error'
}

function describeError(error) {
  return HonkerError.isInstance(error) ? error.code : `uncoded: ${error?.message}`
}

/** The error `fn` throws (or its promise rejects with), or null. */
export async function caught(fn) {
  try {
    await fn()
  } catch (error) {
    return error
  }
  return null
}

export async function until(predicate, what, timeoutMs = 10_000) {
  const started = Date.now()
  while (!(await predicate())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out: ${what}`)
    await sleep(5)
  }
}

/**
 * Run every check in order, each reported whether it passed or threw; `cleanup` functions pushed
 * to `onCleanup` during a check run after it. Ends with `say({ done: true, ...final })`.
 */
export async function runChecks(checks, final = {}) {
  for (const [check, run] of Object.entries(checks)) {
    const cleanups = []
    try {
      await run((fn) => cleanups.push(fn))
      say({ check, ok: true })
    } catch (error) {
      say({ check, ok: false, error: error?.stack ?? String(error) })
    }
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup()
      } catch (error) {
        say({ check: `${check} (cleanup)`, ok: false, error: error?.stack ?? String(error) })
      }
    }
  }
  say({ done: true, ...(typeof final === 'function' ? await final() : final) })
}
