import { WakeSubscription } from '@honker/core/engine'

/** Subscriptions by wake key; one subscription may listen on several keys. */
export class SubscriptionTable {
  readonly #byKey = new Map<string, Set<WakeSubscription>>()
  readonly #keysOf = new Map<WakeSubscription, readonly string[]>()

  add(keys: readonly string[], onEmpty: () => void): WakeSubscription {
    const subscription = new WakeSubscription((gone) => {
      for (const key of this.#keysOf.get(gone) ?? []) {
        const set = this.#byKey.get(key)
        set?.delete(gone)
        if (set?.size === 0) this.#byKey.delete(key)
      }
      this.#keysOf.delete(gone)
      if (this.#keysOf.size === 0) onEmpty()
    })
    this.#keysOf.set(subscription, keys)
    for (const key of keys) {
      let set = this.#byKey.get(key)
      if (set === undefined) this.#byKey.set(key, (set = new Set()))
      set.add(subscription)
    }
    return subscription
  }

  get size(): number {
    return this.#keysOf.size
  }

  deliver(key: string): void {
    for (const subscription of this.#byKey.get(key) ?? []) subscription.deliver()
  }

  deliverAll(): void {
    for (const subscription of this.#keysOf.keys()) subscription.deliver()
  }

  failAll(error: Error): void {
    for (const subscription of [...this.#keysOf.keys()]) subscription.fail(error)
  }
}
