import type { StreamOps } from '@honker/core/engine'
import type { PgEngine } from '../engine.ts'
import { wakeKey } from '../names.ts'
import { appendEvent, saveOffsetOn } from '../writes.ts'
import { runnerOf, type PgTransaction } from './transaction.ts'

interface EventRow {
  offset: string
  topic: string
  key: string | null
  payload: string
  created_at: string
}

/**
 * Streams on PostgreSQL for core's `Stream` and `StreamSubscription`: a topic's publishers take
 * an advisory lock until commit, so offsets become visible in order and `offset > last` skips none.
 */
export function pgStreamOps(engine: PgEngine, owner: object): StreamOps<'async', PgTransaction> {
  const { messages } = engine
  return {
    mode: 'async',
    async publish(topic, payload, options, tx) {
      const runner = runnerOf(tx, owner) ?? engine.pool
      engine.assertOpen()
      return appendEvent(engine, runner, topic, payload, options)
    },
    async read(topic, after, limit) {
      const { rows } = await engine.query<EventRow>(messages.readEvents, [topic, after, limit])
      return rows.map((row) => [Number(row.offset), row.topic, row.key, row.payload, Number(row.created_at)])
    },
    async saveOffset(consumer, topic, offset, tx) {
      const runner = runnerOf(tx, owner) ?? engine.pool
      engine.assertOpen()
      return saveOffsetOn(engine, runner, consumer, topic, offset)
    },
    async getOffset(consumer, topic) {
      return Number((await engine.query<{ offset: string }>(messages.getOffset, [consumer, topic])).rows[0]!.offset)
    },
    subscribe: (topic) => engine.wake.subscribe([wakeKey('s', topic)]),
    isOpen: () => !engine.closed,
    nowMs: () => performance.now(),
  }
}
