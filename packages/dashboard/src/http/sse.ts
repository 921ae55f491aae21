import type { DashboardData } from '../data/model.ts'

/** Events to one browser are at least this far apart; a burst of commits becomes one refresh. */
const MIN_GAP_MS = 200
/** A comment line this often keeps proxies from closing an idle stream. */
const KEEPALIVE_MS = 15_000

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
    if (this.#stopWatching === null) {
      this.#stopWatching = this.#data.watch(
        () => this.#changed(),
        (error) => this.#broadcast(`event: problem\ndata: ${JSON.stringify(error.message)}\n\n`),
      )
    }
  }

  #remove(client: Client): void {
    this.#clients.delete(client)
    if (this.#clients.size === 0) {
      this.#stopWatching?.()
      this.#stopWatching = null
      if (this.#timer !== null) clearTimeout(this.#timer)
      this.#timer = null
    }
  }

  #changed(): void {
    if (this.#timer !== null) return
    const wait = Math.max(0, this.#lastSent + MIN_GAP_MS - Date.now())
    this.#timer = setTimeout(() => {
      this.#timer = null
      this.#lastSent = Date.now()
      this.#broadcast(`event: change\ndata: ${++this.#sequence}\n\n`)
    }, wait)
  }

  #broadcast(text: string): void {
    for (const client of this.#clients) client.send(text)
  }
}
