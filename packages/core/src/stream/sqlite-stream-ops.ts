import type { StreamOps } from '../engine/stream-ops.ts'
import type { Host } from '../host.ts'
import { toNumber } from '../queue/job-row.ts'
import type { Transaction } from '../transaction.ts'
import { saveOffsetWith } from './offsets.ts'
import { publishWith } from './publish.ts'
import type { StreamEventRow } from './stream-event.ts'
import { GET_OFFSET, READ_EVENTS } from './stream.sql.ts'

/** Streams on SQLite; any commit wakes a subscription (the watcher cannot tell commits apart). */
export function sqliteStreamOps(host: Host): StreamOps<'sync', Transaction> {
  return {
    mode: 'sync',
    publish: (topic, payload, options, tx) =>
      publishWith(host.executorFor(tx), topic, payload, options, host.nowS(), host.maxPayloadBytes),
    read(topic, after, limit) {
      host.assertOpen()
      return host.executor.allRaw<StreamEventRow>(READ_EVENTS, READ_EVENTS.bind({ topic, after, limit }))
    },
    saveOffset: (consumer, topic, offset, tx) => saveOffsetWith(host.executorFor(tx), consumer, topic, offset),
    getOffset(consumer, topic) {
      host.assertOpen()
      return toNumber(host.executor.get<{ offset: number | bigint }>(GET_OFFSET, GET_OFFSET.bind({ consumer, topic }))?.offset ?? 0)
    },
    subscribe() {
      host.assertOpen()
      return host.subscribe()
    },
    isOpen: () => !host.closed,
    nowMs: () => host.nowMs(),
  }
}
