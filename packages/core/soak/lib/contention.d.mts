export interface ContentionOptions {
  dir: string
  processes?: number
  durationMs?: number
  /** How long past durationMs a process may take to finish before it counts as hung. */
  graceMs?: number
}

export interface ContentionReport {
  ok: boolean
  parameters: Record<string, number>
  durationMs: number
  hung: number[]
  exits: { code: number | null; signal: string | null }[]
  totalOps: number
  ops: Record<string, number>
  errors: Record<string, number>
  busyErrors: number
  samples: Record<string, string>
  outOfOrder: number
  integrity: string
  inBothTables: number
  leftProcessing: number
  problems: string[]
}

export function runContentionSoak(options: ContentionOptions): Promise<ContentionReport>
