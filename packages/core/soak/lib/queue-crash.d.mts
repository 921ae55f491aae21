export interface QueueCrashOptions {
  /** Working directory for the database and the processes' logs. */
  dir: string
  producers?: number
  workers?: number
  jobs?: number
  concurrency?: number
  visibilityTimeoutS?: number
  maxAttempts?: number
  batch?: number
  producerPauseMs?: number
  workMs?: number
  killEveryMs?: number
  maxKills?: number
  restartDelayMs?: number
  timeoutMs?: number
  onProgress?: (progress: Record<string, unknown>) => void
}

export interface StartRecord {
  a: number
  t: number
  exp: number
  pid: number
  outcome: string | null
  intent?: 'retry'
  n: number
}

export interface QueueCrashReport {
  ok: boolean
  parameters: Record<string, number>
  durationMs: number
  timedOut: boolean
  kills: number
  enqueued: number
  acked: number
  dead: { maxAttempts: number; poison: number }
  stuck: Record<string, unknown>[]
  inBothTables: number
  lost: { id: number; n: number; why: string }[]
  badDead: Record<string, unknown>[]
  duplicates: { jobs: number; extraStarts: number; byVisibilityTimeout: number; byRetry: number }
  unexplained: { id: number; why: string; before: StartRecord; after: StartRecord }[]
  unexplainedCount: number
  outcomes: Record<'A' | 'R' | 'D' | 'L' | 'X', number>
  workerErrors: Record<string, number>
  producerErrors: Record<string, number>
  busyErrors: number
  badLogLines: number
  problems: string[]
  survivorExits: { code: number | null; signal: string | null }[]
  stderr: string[]
  integrity: string
}

export function runQueueCrashSoak(options: QueueCrashOptions): Promise<QueueCrashReport>
