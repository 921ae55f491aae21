import type { WakeSubscription } from '@honker/core/engine'

/**
 * Where consumers' wakes come from, apart from the engine (Oban's Notifier beside its Engine).
 * Keys are `wakeKey()` strings: a subscription is woken by commits about any of its keys.
 */
export interface WakeSource {
  /** Subscribe before the first read: a wake that lands between the read and `wait()` is kept. */
  subscribe(keys: readonly string[]): WakeSubscription
  /** 'listening' once LISTEN is in place; wakes are lost only while it is not (each reconnect wakes everyone). */
  readonly state: 'idle' | 'connecting' | 'listening' | 'reconnecting' | 'polling' | 'closed'
  /** Problems the source recovered from (a dropped connection); it never gives up on its own. */
  onError(listener: (error: Error) => void): () => void
  close(): void
}
