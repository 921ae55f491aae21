import { InvalidArgumentError } from '../errors/invalid-argument-error.ts'
import type { Mode, Result } from '../executor/executor.ts'
import type { Job } from '../queue/job.ts'
import { Queue, type EnqueueCallOptions, type QueueEngine } from '../queue/queue.ts'
import type { Transaction } from '../transaction.ts'
import { MAX_SECONDS, optionalInteger, requireFunction, requireName, requireObject } from '../validate.ts'
import type { HandlerContext, Worker } from '../worker/worker.ts'
import type { WorkOptions } from '../worker/work-options.ts'
import type { BackoffOptions } from '../worker/backoff.ts'

/** Delivers one outbox message (send the email, call the webhook); throw to retry later. */
export type OutboxDelivery<Payload, M extends Mode = 'sync'> = (payload: Payload, job: Job<Payload, M>, context: HandlerContext) => unknown

export interface OutboxOptions {
  /** Deliveries tried before the message is dead-lettered with the last error. Default 5. */
  maxAttempts?: number
  /**
   * Delay after the first failed delivery, in whole seconds; it doubles with every further failure
   * (honker: `ceil(base * 2^max(0, attempts-1))`). 0 retries at once. Default 5.
   */
  baseBackoffS?: number
  /** Seconds a delivery owns its message before another worker may take it over. Default 60. */
  visibilityTimeoutS?: number
}

/** Options of `outbox.start()` / `outbox.run()`: the worker runtime's, minus the backoff the outbox sets. */
export type OutboxRunOptions = Omit<WorkOptions, 'backoff'>

/** honker's Node and Elixir bindings keep outbox rows on this queue; the same name shares them. */
export function outboxQueueName(name: string): string {
  return `_outbox:${name}`
}


/**
 * The worker backoff that reproduces honker's Node outbox delay `ceil(base * 2^max(0, attempts-1))`:
 * factor 2 and no jitter. The worker rounds where honker takes the ceiling; with a whole-second
 * base every delay is a whole number, so the two agree exactly (up to the 100-year cap).
 * @internal
 */
export function outboxBackoff(baseBackoffS: number): BackoffOptions {
  return { baseS: baseBackoffS, factor: 2, maxS: MAX_SECONDS, jitter: 0 }
}

/**
 * A transactional outbox: side effects (emails, webhooks, messages to other systems) recorded in
 * the same transaction as the business write, and delivered only after it commits, with retries
 * and dead-lettering. Messages are jobs on the queue `_outbox:<name>` (honker's name), so a honker
 * outbox worker in another language delivers the same rows. One class for every engine (`M`).
 */
export class Outbox<Payload = unknown, M extends Mode = 'sync', Tx = Transaction> {
  readonly name: string
  /** The queue holding the messages (`_outbox:<name>`): inspect jobs and dead letters through it. */
  readonly queue: Queue<Payload, M, Tx>
  readonly maxAttempts: number
  readonly baseBackoffS: number
  readonly #deliver: OutboxDelivery<Payload, M>

  /** @internal Use `db.outbox(name, deliver, options)`. */
  constructor(engine: QueueEngine<M, Tx>, name: string, deliver: OutboxDelivery<Payload, M>, options: OutboxOptions = {}) {
    this.name = requireName(name, 'outbox name')
    requireFunction(deliver, 'deliver')
    requireObject(options, 'options')
    this.#deliver = deliver
    this.maxAttempts = optionalInteger(options.maxAttempts, 'maxAttempts', { min: 1 }) ?? 5
    // Whole seconds, the queue's resolution; it also keeps the worker's rounding equal to honker's
    // ceiling (see outboxBackoff).
    this.baseBackoffS = optionalInteger(options.baseBackoffS, 'baseBackoffS', { min: 0, max: MAX_SECONDS }) ?? 5
    const visibilityTimeoutS = optionalInteger(options.visibilityTimeoutS, 'visibilityTimeoutS', { min: 1 }) ?? 60
    this.queue = new Queue<Payload, M, Tx>(engine, outboxQueueName(this.name), { maxAttempts: this.maxAttempts, visibilityTimeoutS })
  }

  get visibilityTimeoutS(): number {
    return this.queue.visibilityTimeoutS
  }

  /**
   * Record a message; returns its job id. Pass the business write's `{ tx }` so the message exists
   * if and only if that transaction commits.
   *
   * ```ts
   * const webhooks = db.outbox('webhooks', async (event) => post(event))
   * db.transaction((tx) => {
   *   tx.run('UPDATE orders SET status = ? WHERE id = ?', ['paid', 42])
   *   webhooks.enqueue({ type: 'order.paid', orderId: 42 }, { tx })
   * })
   * ```
   */
  enqueue(payload: Payload, options: EnqueueCallOptions<Tx> & { uniqueKey?: undefined } = {}): Result<M, number> {
    return this.queue.enqueue(payload, options)
  }

  /**
   * Start delivering with the worker runtime: committed messages are handed to `deliver`; a
   * throw retries after honker's doubling delay and the last failure is dead-lettered with its
   * error text. Stop it with `worker.stop()` or the `signal` option.
   *
   * ```ts
   * const worker = webhooks.start({ concurrency: 4, signal })
   * worker.on('job:dead', (job, error) => log.error({ id: job.id, error }))
   * ```
   */
  start(options: OutboxRunOptions = {}): Worker<Payload, Job<Payload, M>> {
    requireObject(options, 'options')
    if ((options as WorkOptions).backoff !== undefined) {
      throw new InvalidArgumentError('backoff', 'the outbox sets its own backoff: use baseBackoffS')
    }
    const deliver = this.#deliver
    return this.queue.work((job, context) => deliver(job.payload, job, context), {
      ...options,
      backoff: outboxBackoff(this.baseBackoffS),
    })
  }

  /**
   * Deliver until `signal` aborts (or the database closes); resolves once running deliveries
   * have finished, rejects if delivery stopped on an error (watcher died, file replaced).
   *
   * ```ts
   * await webhooks.run({ signal: AbortSignal.timeout(60_000) })
   * ```
   */
  async run(options: OutboxRunOptions = {}): Promise<void> {
    const worker = this.start(options)
    try {
      await worker.done
    } finally {
      await worker.stop()
    }
  }
}
