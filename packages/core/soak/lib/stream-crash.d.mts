export interface StreamCrashOptions {
  dir: string
  events?: number
  batch?: number
  publisherPauseMs?: number
  saveEveryN?: number
  workMs?: number
  killEveryMs?: number
  maxKills?: number
  restartDelayMs?: number
  timeoutMs?: number
  onProgress?: (progress: Record<string, unknown>) => void
}

export interface StreamCrashReport {
  ok: boolean
  parameters: Record<string, number>
  durationMs: number
  timedOut: boolean
  kills: number
  incarnations: { resumedAfter: number | null; handled: number; done: boolean }[]
  published: number
  missing: number[]
  missingCount: number
  redelivered: number
  maxRedeliveredAfterOneKill: number
  finalSavedOffset: number
  integrity: string
  badLogLines: number
  problems: string[]
  stderr: string[]
}

export function runStreamCrashSoak(options: StreamCrashOptions): Promise<StreamCrashReport>
