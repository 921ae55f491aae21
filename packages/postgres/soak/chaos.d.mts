export interface ChaosResult {
  jobs: number
  workers: number
  handlerMs: number
  seconds: number
  counts: { pending: number; delayed: number; processing: number; dead: number }
  chaos: { kills: number; workerBackendsTerminated: number; listenerBackendsTerminated: number; restarts: number; unexpectedExits: number }
  executed: number
  lost: number
  duplicates: number
  unexplainedDuplicates: number
  errorCodes: Record<string, number>
  uncodedErrors: number
}
export function runChaos(options?: { jobs?: number; workers?: number; handlerMs?: number; chaosEveryMs?: number; restart?: boolean; timeoutMs?: number; log?: (line: string) => void }): Promise<ChaosResult>
