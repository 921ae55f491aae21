import type { DeadLetters, Job, Outbox, OutboxDelivery, Queue, QueueCounts as CoreQueueCounts, EnqueueCallOptions as CoreEnqueueCallOptions } from '@honker/core/engine'
import type { PgTransaction } from './transaction.ts'

/** core's Queue on PostgreSQL: every method returns a promise; `{ tx }` takes a PgTransaction. */
export type PgQueue<Payload = unknown> = Queue<Payload, 'async', PgTransaction>
/** core's Job on PostgreSQL: every method returns a promise. */
export type PgJob<Payload = unknown> = Job<Payload, 'async'>
/** core's DeadLetters on PostgreSQL: every call returns a promise. */
export type PgDeadLetters = DeadLetters<'async'>
/** core's Outbox on PostgreSQL. */
export type PgOutbox<Payload = unknown> = Outbox<Payload, 'async', PgTransaction>
export type PgOutboxDelivery<Payload> = OutboxDelivery<Payload, 'async'>
export type EnqueueCallOptions = CoreEnqueueCallOptions<PgTransaction>
/** `@honker/core`'s counts without the deprecated `ready`. */
export type QueueCounts = Omit<CoreQueueCounts, 'ready'>
