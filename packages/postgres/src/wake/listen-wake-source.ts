import { DatabaseClosedError, type WakeSubscription } from '@honker/core/engine'
import type { PgClient, PgNotification, PgPool, PgPoolClient } from '../pg.ts'
import { SubscriptionTable } from './subscriptions.ts'
import type { WakeSource } from './wake-source.ts'

export interface ListenConnectionOptions {
  /** How often the connection proves it still listens (`pg_listening_channels()`). */
  healthCheckMs?: number
  /** Reconnect backoff bounds. */
  minBackoffMs?: number
  maxBackoffMs?: number
}

/** The parts of a connection the source uses, from a standalone Client or a pool client. */
interface Listening {
  client: PgClient | PgPoolClient
  close(): void
}

/**
 * One LISTEN connection per database handle, fanned out to every subscription by wake key. It is
 * a standalone client made from the pool's own options (no pool slot is held). A dropped
 * connection reconnects forever with jittered backoff; after each (re)connect every subscription
 * is woken, so consumers re-read what committed while nobody listened: no wake is lost, only
 * delayed. It connects on the first subscription and disconnects when the last one closes.
 */
export class ListenWakeSource implements WakeSource {
  readonly #pool: PgPool
  readonly #channel: string
  readonly #table = new SubscriptionTable()
  readonly #errorListeners = new Set<(error: Error) => void>()
  readonly #healthCheckMs: number
  readonly #minBackoffMs: number
  readonly #maxBackoffMs: number
  #state: WakeSource['state'] = 'idle'
  #listening: Listening | null = null
  #generation = 0
  #timer: NodeJS.Timeout | null = null
  #failures = 0

  constructor(pool: PgPool, channel: string, options: ListenConnectionOptions = {}) {
    this.#pool = pool
    this.#channel = channel
    this.#healthCheckMs = options.healthCheckMs ?? 10_000
    this.#minBackoffMs = options.minBackoffMs ?? 100
    this.#maxBackoffMs = options.maxBackoffMs ?? 30_000
  }

  get state(): WakeSource['state'] {
    return this.#state
  }

  subscribe(keys: readonly string[]): WakeSubscription {
    if (this.#state === 'closed') throw new DatabaseClosedError('the database is closed')
    const subscription = this.#table.add(keys, () => this.#stop())
    if (this.#state === 'idle') void this.#connect()
    return subscription
  }

  onError(listener: (error: Error) => void): () => void {
    this.#errorListeners.add(listener)
    return () => this.#errorListeners.delete(listener)
  }

  close(): void {
    if (this.#state === 'closed') return
    this.#stop()
    this.#state = 'closed'
    this.#table.failAll(new DatabaseClosedError('the database is closed'))
  }

  /** No subscription left: hang up, so an idle app holds no extra connection. */
  #stop(): void {
    this.#generation++
    if (this.#timer !== null) clearTimeout(this.#timer)
    this.#timer = null
    this.#listening?.close()
    this.#listening = null
    if (this.#state !== 'closed') this.#state = 'idle'
  }

  #report(error: unknown): void {
    const failure = error instanceof Error ? error : new Error(String(error))
    for (const listener of this.#errorListeners) listener(failure)
  }

  async #open(): Promise<Listening> {
    const { Client, options } = this.#pool
    if (Client !== undefined && options !== undefined) {
      const client = new Client({ ...options, application_name: 'honker-listen', keepAlive: true })
      client.on('error', () => {}) // reported through the generation check below
      await client.connect()
      return { client, close: () => void client.end().catch(() => {}) }
    }
    // A pool without its options (a wrapper): hold one of its clients instead.
    const client = await this.#pool.connect()
    const onError = (): void => {}
    client.on('error', onError)
    return { client, close: () => client.release(true) }
  }

  async #connect(): Promise<void> {
    const generation = ++this.#generation
    this.#state = this.#failures === 0 ? 'connecting' : 'reconnecting'
    let listening: Listening | null = null
    try {
      listening = await this.#open()
      if (generation !== this.#generation) return listening.close()
      const { client } = listening
      const dropped = (error?: unknown): void => {
        if (generation !== this.#generation) return
        this.#report(error ?? new Error('the LISTEN connection ended'))
        this.#reconnectLater(generation)
      }
      const raw = client as PgClient
      raw.on('notification', (message: PgNotification) => {
        if (message.channel === this.#channel && message.payload !== undefined) this.#table.deliver(message.payload)
      })
      raw.on('error', (error: Error) => dropped(error))
      raw.on('end', () => dropped())
      await client.query({ text: `LISTEN ${this.#channel}` })
      if (generation !== this.#generation) return listening.close()
      this.#listening = listening
      this.#failures = 0
      this.#state = 'listening'
      // Whatever committed while nobody listened must be read now.
      this.#table.deliverAll()
      this.#scheduleHealthCheck(generation)
    } catch (error) {
      listening?.close()
      if (generation !== this.#generation) return
      this.#report(error)
      this.#reconnectLater(generation)
    }
  }

  #reconnectLater(generation: number): void {
    if (generation !== this.#generation) return
    this.#generation++
    this.#listening?.close()
    this.#listening = null
    this.#state = 'reconnecting'
    this.#failures++
    const ceiling = Math.min(this.#maxBackoffMs, this.#minBackoffMs * 2 ** Math.min(this.#failures - 1, 20))
    const delay = ceiling / 2 + (Math.random() * ceiling) / 2
    if (this.#timer !== null) clearTimeout(this.#timer)
    const next = this.#generation
    this.#timer = setTimeout(() => {
      this.#timer = null
      if (next === this.#generation) void this.#connect()
    }, delay)
    this.#timer.unref()
  }

  /** TCP keepalive misses a half-open link for minutes; a periodic check notices in seconds. */
  #scheduleHealthCheck(generation: number): void {
    this.#timer = setTimeout(async () => {
      this.#timer = null
      const listening = this.#listening
      if (generation !== this.#generation || listening === null) return
      try {
        const check = listening.client.query<{ channel: string }>({ text: 'SELECT pg_listening_channels() AS channel' })
        const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('LISTEN health check timed out')), 5_000).unref())
        const { rows } = await Promise.race([check, timeout])
        if (!rows.some((row) => row.channel === this.#channel)) throw new Error('the connection no longer listens')
        if (generation === this.#generation) this.#scheduleHealthCheck(generation)
      } catch (error) {
        if (generation !== this.#generation) return
        this.#report(error)
        this.#reconnectLater(generation)
      }
    }, this.#healthCheckMs)
    this.#timer.unref()
  }
}

/**
 * `wake: 'poll'`: no LISTEN connection (PgBouncer in transaction mode cannot hold one). Consumers
 * rely on their own writes' nudges and on the fallback poll.
 */
export class PollWakeSource implements WakeSource {
  readonly #table = new SubscriptionTable()
  #closed = false

  get state(): WakeSource['state'] {
    return this.#closed ? 'closed' : 'polling'
  }

  subscribe(keys: readonly string[]): WakeSubscription {
    if (this.#closed) throw new DatabaseClosedError('the database is closed')
    return this.#table.add(keys, () => {})
  }

  onError(): () => void {
    return () => {}
  }

  close(): void {
    this.#closed = true
    this.#table.failAll(new DatabaseClosedError('the database is closed'))
  }
}
