import { HonkerError } from '@honker/core'

/** Exit codes of every command. */
export const EXIT_OK = 0
/** Something went wrong while running (database, handler, I/O). */
export const EXIT_RUNTIME = 1
/** The command line itself is wrong: unknown option, missing value, bad number or JSON. */
export const EXIT_USAGE = 2
/**
 * Standard output was closed under the command (EPIPE: `| head`, a restarted log shipper); it
 * stopped gracefully. 141 is 128 + SIGPIPE, what a shell reports for a process a closed pipe
 * killed.
 */
export const EXIT_OUTPUT_CLOSED = 141

/** The error for a command that stopped because stdout failed with `code` (see output.ts). */
export function outputClosedError(code: string, what: string): CliError {
  return new CliError('output_closed', `stdout closed (${code}); ${what}`, { exitCode: EXIT_OUTPUT_CLOSED })
}

/**
 * An error the CLI reports as one line, `honker: <message> (<code>)`, and exits with `exitCode`.
 * Codes are stable (scripts may match on them); core's HonkerError codes pass through unchanged.
 */
export class CliError extends Error {
  readonly code: string
  readonly exitCode: number

  constructor(code: string, message: string, options: { exitCode?: number; cause?: unknown } = {}) {
    super(message, { cause: options.cause })
    this.name = 'CliError'
    this.code = code
    this.exitCode = options.exitCode ?? EXIT_RUNTIME
  }
}

/** A usage error: the command line is wrong (exit 2). */
export function usageError(message: string, code = 'usage'): CliError {
  return new CliError(code, message, { exitCode: EXIT_USAGE })
}

/** Core codes that mean "the value you typed is wrong", i.e. a usage error rather than a failure. */
const USAGE_CODES = new Set(['invalid_argument', 'invalid_payload', 'invalid_cron', 'memory_database'])

/** The code, message and exit code to report for any thrown value. */
export function describeError(error: unknown): { code: string; message: string; exitCode: number } {
  if (error instanceof CliError) return { code: error.code, message: error.message, exitCode: error.exitCode }
  if (HonkerError.isInstance(error)) {
    return { code: error.code, message: error.message, exitCode: USAGE_CODES.has(error.code) ? EXIT_USAGE : EXIT_RUNTIME }
  }
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code
    return { code: typeof code === 'string' ? code : 'error', message: error.message, exitCode: EXIT_RUNTIME }
  }
  return { code: 'error', message: String(error), exitCode: EXIT_RUNTIME }
}

/** One line for stderr; with `verbose`, the stack (and causes) follow it. */
export function formatError(error: unknown, verbose: boolean): string {
  const { code, message } = describeError(error)
  const line = `honker: ${firstLine(message)} (${code})`
  if (!verbose) return line
  const details: string[] = []
  let current: unknown = error
  while (current !== undefined) {
    if (details.length > 0) details.push('caused by:')
    if (!(current instanceof Error)) {
      details.push(String(current))
      break
    }
    details.push(current.stack ?? `${current.name}: ${current.message}`)
    current = current.cause
  }
  return [line, ...details].join('\n')
}

/** Messages stay on one line: a multi-line message (a SQLite or loader error) keeps its first. */
function firstLine(message: string): string {
  const trimmed = message.trim()
  const newline = trimmed.indexOf('\n')
  return newline === -1 ? trimmed : trimmed.slice(0, newline)
}
