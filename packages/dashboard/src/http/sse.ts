import type { DashboardData } from '../data/model.ts'

/** Events to one browser are at least this far apart; a burst of commits becomes one refresh. */
const MIN_GAP_MS = 200
/** A comment line this often keeps proxies from closing an idle stream. */
const KEEPALIVE_MS = 15_000
/** Longest wait before watching again after the wake source failed. */
const MAX_RETRY_MS = 30_000

interface Client {
  send(text: string): void
  close(): void
}

/**
 * Fans the engine's commit wakes out to every open `/events` stream. It watches only while at
 * least one browser is connected, and each wake is pushed (no timer reads the database): the
 * browser re-fetches the part of the page it shows when an event arrives.
 */
export class ChangeHub {
  readonly #data: DashboardData
  readonly #clients = new Set<Client>()
  #stopWatching: (() => void) | null = null
  #timer: NodeJS.Timeout | null = null
  #retry: NodeJS.Timeout | null = null
  #failures = 0
  #lastSent = 0
  #sequence = 0
  #closed = false

  constructor(data: DashboardData) {
    this.#data = data
  }

  get clients(): number {
    return this.#clients.size
  }

  /** A `text/event-stream` response that lives until the browser goes away or the hub closes. */
  stream(signal: AbortSignal): Response {
    const encoder = new TextEncoder()
    let client: Client | null = null
    let keepalive: NodeJS.Timeout | null = null
    const remove = (): void => {
      if (keepalive !== null) clearInterval(keepalive)
      keepalive = null
      if (client !== null) this.#remove(client)
      client = null
    }
    const body = new ReadableStream<Uint8Array>({
      start: (controller) => {
        if (this.#closed) {
          controller.close()
          return
        }
        client = {
          send: (text) => {
            try {
              controller.enqueue(encoder.encode(text))
            } catch {
              remove()
            }
          },
          close: () => {
            try {
              controller.close()
            } catch {
              // Already closed by the browser going away.
            }
          },
        }
        this.#add(client)
        client.send(`retry: 1000\nevent: ready\ndata: ${this.#sequence}\n\n`)
        keepalive = setInterval(() => client?.send(': keepalive\n\n'), KEEPALIVE_MS)
        keepalive.unref?.()
        signal.addEventListener('abort', remove, { once: true })
      },
      cancel: remove,
    })
    return new Response(body, {
      headers: {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      },
    })
  }

  close(): void {
    this.#closed = true
    for (const client of [...this.#clients]) {
      client.close()
      this.#remove(client)
    }
  }

  #add(client: Client): void {
    this.#clients.add(client)
    if (this.#stopWatching === null && this.#retry === null) {
      try {
        this.#watch()
      } catch (error) {
        this.#lost(error instanceof Error ? error : new Error(String(error)))
      }
    }
  }

  #watch(): void {
    this.#stopWatching = this.#data.watch(
      () => this.#changed(),
      (error) => this.#lost(error),
    )
  }

  /**
   * The wake source failed (a dropped LISTEN connection, a replaced file): say so, then watch
   * again after a backoff while anyone is connected, and tell the pages to re-read, since commits
   * made in between woke nobody.
   */
  #lost(error: Error): void {
    this.#broadcast(`event: problem\ndata: ${JSON.stringify(error.message)}\n\n`)
    this.#stopWatching?.()
    this.#stopWatching = null
    if (this.#retry !== null || this.#clients.size === 0 || this.#closed) return
    const delay = Math.min(MAX_RETRY_MS, 1000 * 2 ** this.#failures++)
    this.#retry = setTimeout(() => {
      this.#retry = null
      if (this.#clients.size === 0 || this.#closed) return
      try {
        this.#watch()
        this.#changed()
      } catch (caught) {
        this.#lost(caught instanceof Error ? caught : new Error(String(caught)))
      }
    }, delay)
    this.#retry.unref?.()
  }

  #remove(client: Client): void {
    this.#clients.delete(client)
    if (this.#clients.size === 0) {
      this.#stopWatching?.()
      this.#stopWatching = null
      if (this.#timer !== null) clearTimeout(this.#timer)
      this.#timer = null
      if (this.#retry !== null) clearTimeout(this.#retry)
      this.#retry = null
    }
  }

  #changed(): void {
    if (this.#timer !== null) return
    const wait = Math.max(0, this.#lastSent + MIN_GAP_MS - Date.now())
    this.#timer = setTimeout(() => {
      this.#timer = null
      this.#lastSent = Date.now()
      this.#failures = 0
      this.#broadcast(`event: change\ndata: ${++this.#sequence}\n\n`)
    }, wait)
  }

  #broadcast(text: string): void {
    for (const client of this.#clients) client.send(text)
  }
}
