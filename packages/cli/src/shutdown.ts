import { onStdoutClosed } from './output.ts'

/**
 * SIGINT / SIGTERM handling for the long-running commands (worker, tail, scheduler run). The
 * first signal asks for a graceful stop through an AbortSignal; a second one means "now": the
 * command's `force` callback runs (the worker releases its running jobs) and the process exits.
 * A closed stdout (EPIPE) asks for the same graceful stop as the first signal.
 */
export interface Shutdown {
  /** Aborted on the first SIGINT or SIGTERM, or when stdout closes; its reason is the signal's name, or `stdout closed`. */
  readonly signal: AbortSignal
  /** Stop listening for signals (the command has finished). */
  dispose(): void
}

const SIGNALS = ['SIGINT', 'SIGTERM'] as const

/** The abort reason when stdout closed. */
export const STDOUT_CLOSED = 'stdout closed'

/** Exit code after a forced stop: 128 + SIGINT, the shell's convention for an interrupted command. */
export const EXIT_FORCED = 130

export function listenForShutdown(options: { force?: () => void } = {}): Shutdown {
  const controller = new AbortController()
  const handler = (name: NodeJS.Signals): void => {
    if (!controller.signal.aborted) {
      controller.abort(name)
      return
    }
    try {
      options.force?.()
    } finally {
      process.exit(EXIT_FORCED)
    }
  }
  for (const name of SIGNALS) process.on(name, handler)
  const offStdout = onStdoutClosed(() => {
    if (!controller.signal.aborted) controller.abort(STDOUT_CLOSED)
  })
  return {
    signal: controller.signal,
    dispose: () => {
      for (const name of SIGNALS) process.off(name, handler)
      offStdout()
    },
  }
}

/** Resolves when `signal` aborts. */
export function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve()
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }))
}
