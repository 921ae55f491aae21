import { HonkerError } from './honker-error.ts'

/** A payload cannot be stored as JSON text (BigInt, cycles, functions, `undefined`, ...). */
export class InvalidPayloadError extends HonkerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('invalid_payload', message, options)
    this.name = 'InvalidPayloadError'
  }
}
