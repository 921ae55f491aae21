import { decodePayload } from '../payload.ts'
import type { NotificationRow } from '../engine/notify-ops.ts'
import { toNumber } from '../queue/job-row.ts'

export type { NotificationRow }

const UNPARSED: unique symbol = Symbol('unparsed')

/**
 * One notification delivered to a listener. The payload is parsed on first access: a row written
 * by another binding that is not JSON text does not stop the listener; reading `payload` throws
 * InvalidPayloadError for that row and `payloadText` still has the stored text.
 */
export class Notification<Payload = unknown> {
  /** Ever-increasing across all channels (AUTOINCREMENT). */
  readonly id: number
  readonly channel: string
  /** The stored JSON text. */
  readonly payloadText: string
  /** Unix seconds. */
  readonly createdAt: number
  #payload: unknown = UNPARSED

  /** @internal */
  constructor(row: NotificationRow) {
    this.id = toNumber(row.id)
    this.channel = row.channel
    this.payloadText = row.payload
    this.createdAt = toNumber(row.created_at)
  }

  /** The payload, parsed from JSON on first use; throws InvalidPayloadError for non-JSON text. */
  get payload(): Payload {
    if (this.#payload === UNPARSED) this.#payload = decodePayload(this.payloadText, `notification ${this.id}`)
    return this.#payload as Payload
  }
}
