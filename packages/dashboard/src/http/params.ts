// Checks of the values a request names: a 400 with a message when one is wrong.
import { HttpError } from './errors.ts'

/** A queue, schedule or other name from a query parameter or a body. */
export function requireName(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 1000) {
    throw new HttpError(400, 'bad_request', `${field}: must be a non-empty string of at most 1000 characters`)
  }
  return value
}

/** A job id: a positive safe integer, given as a number or as decimal digits. */
export function requireId(value: unknown, field: string): number {
  const number = typeof value === 'string' && /^\d{1,15}$/.test(value) ? Number(value) : value
  if (typeof number !== 'number' || !Number.isSafeInteger(number) || number < 1) throw new HttpError(400, 'bad_request', `${field}: must be a positive integer job id`)
  return number
}
