// What the app's two engine modules (src/sqlite.ts, src/postgres.ts) have in common: the names of
// the queue, stream and channel, the payloads, and the App each one opens (src/db.ts picks one).
import type { Notification, StreamEvent, Worker, WorkOptions } from '@honker/core'

/** The queue the confirmation emails go through. */
export const EMAIL_QUEUE = 'emails'
/** The durable stream of order events (other services read it with their own saved offset). */
export const ORDER_EVENTS = 'orders'
/** The channel the worker announces delivered (or bounced) emails on. */
export const EMAIL_EVENTS = 'email-events'

export interface EmailJob {
  emailId: number
}

export interface EmailEvent {
  emailId: number
  status: 'sent' | 'bounced'
}

export class PaymentDeclinedError extends Error {
  override name = 'PaymentDeclinedError'
}

export interface NewOrder {
  customer: string
  email: string
  totalCents: number
  /** Simulates a payment provider refusing the card after the rows were written. */
  declineCard?: boolean
}

export interface PlacedOrder {
  orderId: number
  emailId: number
  jobId: number
}

export interface EmailRow {
  id: number
  orderId: number
  to: string
  status: string
  attempts: number
  sentAt: number | null
}

/** A claimed job, as both engines' jobs (`Job`, `PgJob`) show it to a handler. */
export interface ClaimedJob<Payload> {
  readonly id: number
  readonly payload: Payload
  readonly attempts: number
  readonly maxAttempts: number
  readonly isLastAttempt: boolean
}

/** The part of Honker the app uses; `@honker/core`'s Database and `@honker/postgres`'s both are one. */
export interface Honker {
  queue<Payload>(name: string): {
    work(handler: (job: ClaimedJob<Payload>) => Promise<void>, options?: WorkOptions): Worker<Payload, ClaimedJob<Payload>>
  }
  /** Synchronous on SQLite; on PostgreSQL it resolves once the listener is subscribed. */
  listen<Payload>(channel: string, options?: { signal?: AbortSignal }): AsyncIterable<Notification<Payload>> | Promise<AsyncIterable<Notification<Payload>>>
  stream<Payload>(topic: string): { readSince(offset: number, limit: number): StreamEvent<Payload>[] | Promise<StreamEvent<Payload>[]> }
  /** PostgreSQL: 'listening' once the LISTEN connection is up (SQLite's commit watcher needs none). */
  readonly wakeState?: string
  close(): void
}

/** The app on one engine: Prisma and Honker on the same database. */
export interface App {
  honker: Honker
  /**
   * Checkout: the order, its confirmation-email row, the job that sends it and an `order.placed`
   * event on the orders stream, in one prisma.$transaction. If anything throws before the
   * callback returns, none of them exists.
   */
  placeOrder(order: NewOrder): Promise<PlacedOrder>
  /** Row counts, read through the Prisma client (Honker's tables through its models). */
  counts(): Promise<{ orders: number; emails: number; jobs: number; streamEvents: number }>
  emails(): Promise<EmailRow[]>
  email(id: number): Promise<EmailRow>
  /** The dead letter of job `id` (prisma.honkerDeadJob), or null. */
  deadJob(id: number): Promise<{ lastError: string | null } | null>
  /** The worker's write: the email's outcome and its EMAIL_EVENTS notification, atomically. */
  recordOutcome(event: EmailEvent, attempts: number): Promise<void>
  close(): Promise<void>
}

/** One engine module's exports. */
export interface Engine {
  /** The Prisma migrations folder, relative to the app. */
  migrationsDir: string
  /**
   * A new, empty database for this run, as a URL for openApp() in any process; drop() removes it
   * and resolves to whether it is kept.
   */
  createFreshDatabase(): Promise<{ url: string; shown: string; drop(options?: { keep?: boolean }): Promise<boolean> }>
  /** Apply the migrations folder; what was applied, and checks of the result. */
  migrate(url: string): Promise<{ applied: string[]; checks: [ok: boolean, what: string][] }>
  openApp(url: string): Promise<App>
}
