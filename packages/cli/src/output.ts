/**
 * Output helpers shared by the commands: JSON lines for machines, aligned tables and short
 * durations for people. Nothing here writes colour: output is read in logs and pipes as often as
 * on terminals.
 */

/** Write one JSON object as a line on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`)
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
