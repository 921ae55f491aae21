import { HonkerError } from './honker-error.ts'

/** A public entry point was given a value it cannot accept; nothing was written. */
export class InvalidArgumentError extends HonkerError {
  readonly argument: string

  constructor(argument: string, message: string, options?: { cause?: unknown }) {
    super('invalid_argument', `${argument}: ${message}`, options)
    this.name = 'InvalidArgumentError'
    this.argument = argument
  }
}
