import { InvalidPayloadError } from './errors/invalid-payload-error.ts'

/**
 * Payloads are stored as JSON text, encoded unconditionally (a string `"42"` is stored as
 * `"\"42\""`), the wire format every honker binding shares.
 */
export function encodePayload(payload: unknown, argument = 'payload'): string {
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
