import { HonkerError } from './errors/honker-error.ts'
import { InvalidPayloadError } from './errors/invalid-payload-error.ts'

/**
 * Default for `open(path, { maxPayloadBytes })`: big enough for any sane job, small enough that a
 * runaway object graph fails at enqueue instead of bloating the file (honker itself has no limit;
 * SQLite's own is 1 GB).
 */
export const DEFAULT_MAX_PAYLOAD_BYTES = 16 * 1024 * 1024

/**
 * Payloads are stored as JSON text, encoded unconditionally (a string `"42"` is stored as
 * `"\"42\""`), the wire format every honker binding shares.
 */
export function encodePayload(payload: unknown, argument = 'payload', maxBytes = DEFAULT_MAX_PAYLOAD_BYTES): string {
  let text: string | undefined
  try {
    text = JSON.stringify(payload)
  } catch (error) {
    throw new InvalidPayloadError(`${argument} cannot be serialised as JSON: ${(error as Error).message}`, {
      cause: error,
    })
  }
  if (text === undefined) {
    throw new InvalidPayloadError(`${argument} cannot be serialised as JSON (got ${describe(payload)})`)
  }
  // A UTF-16 code unit is at most 3 UTF-8 bytes: skip the O(n) count for anything clearly small.
  if (text.length * 3 > maxBytes) {
    const bytes = Buffer.byteLength(text, 'utf8')
    if (bytes > maxBytes) {
      throw new HonkerError(
        'payload_too_large',
        `${argument} is ${bytes} bytes as JSON; the limit is ${maxBytes} (raise it with open(path, { maxPayloadBytes }))`,
      )
    }
  }
  return text
}

/** Parse stored JSON text; text written by another binding that is not JSON is a typed error. */
export function decodePayload(text: string, context: string): unknown {
  try {
    return JSON.parse(text)
  } catch (error) {
    throw new InvalidPayloadError(`${context}: stored payload is not JSON text`, { cause: error })
  }
}

function describe(value: unknown): string {
  if (typeof value === 'function') return 'a function'
  if (typeof value === 'symbol') return 'a symbol'
  return String(value)
}
