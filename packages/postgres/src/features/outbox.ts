import type { HandlerContext, OutboxOptions, OutboxRunOptions } from '@honker/core'
import {
  InvalidArgumentError,
  MAX_SECONDS,
  optionalInteger,
  outboxBackoff,
  outboxQueueName,
  requireFunction,
  requireName,
  requireObject,
  type Worker,
  type WorkOptions,
} from '@honker/core/engine'
import type { PgEngine } from '../engine.ts'
import type { PgJob } from './job.ts'
import { PgQueue, type EnqueueCallOptions } from './queue.ts'

export type PgOutboxDelivery<Payload> = (payload: Payload, job: PgJob<Payload>, context: HandlerContext) => unknown

/**
 * A transactional outbox on PostgreSQL, as `@honker/core`'s: messages enqueued with the app's
 * write (`{ tx }`), delivered by `deliver` with honker's exponential backoff, dead-lettered after
 * `maxAttempts`. It is the queue `_outbox:<name>`.
 */
export class PgOutbox<Payload = unknown> {
  readonly name: string
  readonly queue: PgQueue<Payload>
  readonly maxAttempts: number
  readonly baseBackoffS: number
  readonly #deliver: PgOutboxDelivery<Payload>

  /** @internal Use `db.outbox()`. */
  constructor(engine: PgEngine, owner: object, name: string, deliver: PgOutboxDelivery<Payload>, options: OutboxOptions = {}) {
    this.name = requireName(name, 'outbox name')
    requireFunction(deliver, 'deliver')
    requireObject(options, 'options')
    this.#deliver = deliver
    this.maxAttempts = optionalInteger(options.maxAttempts, 'maxAttempts', { min: 1 }) ?? 5
    this.baseBackoffS = optionalInteger(options.baseBackoffS, 'baseBackoffS', { min: 0, max: MAX_SECONDS }) ?? 5
    const visibilityTimeoutS = optionalInteger(options.visibilityTimeoutS, 'visibilityTimeoutS', { min: 1 }) ?? 60
    this.queue = new PgQueue<Payload>(engine, owner, outboxQueueName(this.name), { maxAttempts: this.maxAttempts, visibilityTimeoutS })
  }

  enqueue(payload: Payload, options: EnqueueCallOptions = {}): Promise<number> {
    return this.queue.enqueue(payload, options)
  }

  /** Deliver in the background; stop the returned worker to end. */
  start(options: OutboxRunOptions = {}): Worker<Payload, PgJob<Payload>> {
    requireObject(options, 'options')
    if ((options as WorkOptions).backoff !== undefined) {
      throw new InvalidArgumentError('backoff', 'the outbox sets its own backoff: use baseBackoffS')
    }
    const deliver = this.#deliver
    return this.queue.work((job, context) => deliver(job.payload, job, context), { ...options, backoff: outboxBackoff(this.baseBackoffS) })
  }

  /** Deliver until `signal` aborts (or a fatal error). */
  async run(options: OutboxRunOptions = {}): Promise<void> {
    const worker = this.start(options)
    try {
      await worker.done
    } finally {
      await worker.stop()
    }
  }
}
