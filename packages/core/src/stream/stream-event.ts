import { decodePayload } from '../payload.ts'
import { toNumber } from '../queue/job-row.ts'

/** A `_honker_stream` row in READ_EVENTS column order ("offset", topic, key, payload, created_at). */
export type StreamEventRow = [offset: number | bigint, topic: string, key: string | null, payload: string, createdAt: number | bigint]

const UNPARSED: unique symbol = Symbol('unparsed')

/**
 * One event of a stream. The payload is parsed on first access: an event another binding wrote
 * as non-JSON text still reads (`payloadText`); only `payload` throws InvalidPayloadError for it.
 */
export class StreamEvent<Payload = unknown> {
  /** Position in the log; increases across all topics (one shared AUTOINCREMENT sequence). */
  readonly offset: number
  readonly topic: string
  /** Informational only (no partitioning or compaction), or null. */
  readonly key: string | null
  /** The stored JSON text. */
  readonly payloadText: string
  /** Unix seconds. */
  readonly createdAt: number
  #payload: unknown = UNPARSED

  /** @internal */
  constructor(row: StreamEventRow) {
    this.offset = toNumber(row[0])
    this.topic = row[1]
    this.key = row[2]
    this.payloadText = row[3]
    this.createdAt = toNumber(row[4])
  }

  /** The payload, parsed from JSON on first use; throws InvalidPayloadError for non-JSON text. */
  get payload(): Payload {
    if (this.#payload === UNPARSED) this.#payload = decodePayload(this.payloadText, `stream event ${this.offset}`)
    return this.#payload as Payload
  }
}
