import { expect, it } from 'vitest'
// The built soak (plain JavaScript over the built package): worker processes import @honker/postgres's dist.
import { runChaos } from '../soak/chaos.mjs'

it('many machines, simulated: 5,000 jobs over 3 worker processes through kill -9, pg_terminate_backend and a server restart', async () => {
  const result = await runChaos({ jobs: 5_000, workers: 3, handlerMs: 40, chaosEveryMs: 250, timeoutMs: 120_000 })
  expect(result.chaos.kills).toBeGreaterThan(0)
  expect(result.chaos.restarts).toBe(1)
  expect(result.chaos.workerBackendsTerminated + result.chaos.listenerBackendsTerminated).toBeGreaterThan(0)
  expect(result.counts).toEqual({ pending: 0, delayed: 0, processing: 0, dead: 0 })
  expect(result.lost).toBe(0)
  expect(result.executed).toBe(5_000)
  expect(result.unexplainedDuplicates).toBe(0)
  expect(result.uncodedErrors).toBe(0)
  expect(result.chaos.unexpectedExits).toBe(0)
}, 180_000)
