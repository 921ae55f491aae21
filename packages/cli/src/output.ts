/**
 * Output helpers shared by the commands: JSON lines for machines, aligned tables and short
 * durations for people. Nothing here writes colour: output is read in logs and pipes as often as
 * on terminals.
 */

/**
 * Standard output can go away under a running command: `honker worker | head -1`, or a log
 * shipper that restarts. The next write then fails with EPIPE, which Node reports as an 'error'
 * event on process.stdout and, with no listener, as an uncaught exception that kills the process
 * (a worker's claimed jobs would stay `processing` until their visibility timeout). This module
 * owns that listener: it records the failure, later writes are dropped, and the long-running
 * commands stop gracefully when told (`onStdoutClosed`).
 */
let stdoutError: { code: string } | null = null
const closedListeners = new Set<() => void>()
let watching = false

/** Install the stdout 'error' listener (once per process; it stays for the process's life). */
export function watchStdout(): void {
  if (watching) return
  watching = true
  process.stdout.on('error', noteFailure)
  // Nothing is left to report a closed stderr on; it must not kill a worker either.
  process.stderr.on('error', () => {})
}

function noteFailure(error: NodeJS.ErrnoException): void {
  if (stdoutError !== null) return
  stdoutError = { code: typeof error.code === 'string' ? error.code : 'EIO' }
  for (const listener of [...closedListeners]) listener()
}

/**
 * The error code stdout failed with (EPIPE when its reader went away), or null while it works.
 * A failed write marks the stream at once; its 'error' event only follows on a later tick.
 */
export function stdoutFailure(): string | null {
  if (stdoutError === null && watching) {
    const errored = (process.stdout as { errored?: NodeJS.ErrnoException | null }).errored
    if (errored != null) noteFailure(errored)
  }
  return stdoutError?.code ?? null
}

/** Run `listener` once stdout fails; returns an unsubscribe function. */
export function onStdoutClosed(listener: () => void): () => void {
  if (stdoutError !== null) {
    listener()
    return () => {}
  }
  closedListeners.add(listener)
  return () => closedListeners.delete(listener)
}

/** Write text to stdout, or drop it once stdout has failed. */
export function writeOut(text: string): void {
  if (stdoutFailure() !== null) return
  process.stdout.write(text)
}

/**
 * Write text to stdout and resolve once it was handed to the OS: true, or false when stdout has
 * failed (the text never left). For output that acknowledges work, such as a stream consumer's
 * offset, which must not move past an event that was not written.
 */
export function writeConfirmed(text: string): Promise<boolean> {
  if (stdoutFailure() !== null) return Promise.resolve(false)
  return new Promise((resolve) => {
    process.stdout.write(text, (error) => resolve(error == null && stdoutError === null))
  })
}

/** Write one JSON object as a line on stdout. */
export function printJson(value: unknown): void {
  writeOut(`${JSON.stringify(value)}\n`)
}

/** A stored JSON text as a value; text another binding stored that is not JSON stays a string. */
export function parseStored(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

/** `3s`, `4m 05s`, `2h 10m`, `3d 4h`: how long ago or until, for a person. */
export function formatDuration(totalSeconds: number): string {
  const s = Math.max(0, Math.round(totalSeconds))
  if (s < 60) return `${s}s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`
  const h = Math.floor(m / 60)
  if (h < 24) return `${h}h ${String(m % 60).padStart(2, '0')}m`
  return `${Math.floor(h / 24)}d ${h % 24}h`
}

/** A unix second as local `YYYY-MM-DD HH:MM:SS` (schedules are evaluated in local time). */
export function formatLocalTime(unixSeconds: number): string {
  const d = new Date(unixSeconds * 1000)
  const pad = (n: number): string => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
}

/** Shorten a one-line rendering to `width` characters. */
export function truncate(text: string, width: number): string {
  const oneLine = text.replace(/\s+/g, ' ')
  return oneLine.length <= width ? oneLine : `${oneLine.slice(0, Math.max(0, width - 1))}…`
}

/** Columns padded to the widest cell; number columns (`-` for none) align right. */
export function formatTable(headers: string[], rows: (string | number)[][]): string {
  const numeric = headers.map(
    (_, column) =>
      rows.some((row) => typeof row[column] === 'number') &&
      rows.every((row) => typeof row[column] === 'number' || row[column] === '-'),
  )
  const cells = [headers, ...rows.map((row) => row.map(String))]
  const widths = headers.map((_, column) => Math.max(...cells.map((row) => (row[column] ?? '').length)))
  return cells
    .map((row) =>
      row
        .map((cell, column) => (numeric[column] ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')
}
