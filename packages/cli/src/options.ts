import { readFileSync } from 'node:fs'
import { InvalidArgumentError, Option } from 'commander'
import { DRIVER_NAMES } from './database.ts'

/**
 * Option parsers. They throw commander's InvalidArgumentError, which commander turns into
 * "option '--x <n>' argument 'y' is invalid. <reason>", reported as a usage error (exit 2).
 */

export function integer(range: { min?: number; max?: number } = {}): (value: string) => number {
  return (value) => {
    if (!/^[+-]?\d+$/.test(value.trim())) throw new InvalidArgumentError('expected a whole number')
    const number = Number(value)
    if (!Number.isSafeInteger(number)) throw new InvalidArgumentError('the number is too large')
    if (range.min !== undefined && number < range.min) throw new InvalidArgumentError(`must be >= ${range.min}`)
    if (range.max !== undefined && number > range.max) throw new InvalidArgumentError(`must be <= ${range.max}`)
    return number
  }
}

/** Seconds, fractions allowed (`0.5`), for durations given to the command line. */
export function seconds(value: string): number {
  const number = Number(value)
  if (value.trim() === '' || !Number.isFinite(number) || number < 0) {
    throw new InvalidArgumentError('expected a number of seconds >= 0')
  }
  return number
}

/** Repeatable/variadic `--id` values, accumulated into one list. */
export function jobIds(value: string, previous: number[] | undefined): number[] {
  const ids = value.split(',').filter((part) => part.trim() !== '').map(integer({ min: 1 }))
  return [...(previous ?? []), ...ids]
}

/** The `--db` option every command takes; `HONKER_DB` is its default. */
export function dbOption(): Option {
  return new Option('--db <path>', 'the SQLite database file').env('HONKER_DB').makeOptionMandatory()
}

/** JSON text from `--payload`: inline, or `-` to read standard input. */
export function readPayload(text: string): unknown {
  const source = text === '-' ? readFileSync(0, 'utf8') : text
  try {
    return JSON.parse(source)
  } catch (error) {
    throw new InvalidArgumentError(`not valid JSON (${(error as Error).message}); quote it for the shell: --payload '{"to":"a@example.com"}'`)
  }
}

/**
 * The `--driver` option every command that opens the file takes; `HONKER_DRIVER` is its default
 * (as for core's `open`). An empty variable counts as unset.
 */
export function driverOption(): Option {
  return new Option('--driver <name>', `the SQLite library: ${DRIVER_NAMES.join(', ')} (default: the app's better-sqlite3, else the runtime's own)`)
    .env('HONKER_DRIVER')
    .argParser((value: string) => {
      // Returned as '' (commander turns undefined into ''); the driver choice reads it as unset.
      if (value === '') return value
      if (!(DRIVER_NAMES as readonly string[]).includes(value)) throw new InvalidArgumentError(`expected one of ${DRIVER_NAMES.join(', ')}`)
      return value
    })
}
