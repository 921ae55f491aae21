export interface EnduranceOptions {
  dir: string
  durationMs?: number
  sampleEveryMs?: number
  onProgress?: (sample: Record<string, number>) => void
}

export interface Judgement {
  name: string
  ok: boolean
  [figure: string]: unknown
}

export interface EnduranceReport {
  ok: boolean
  parameters: { durationMs: number; sampleEveryMs: number; processes: number }
  totals: Record<string, number>
  perProcess: { who: string; rssMB: number | null; heapMB: number | null; fds?: number; handles?: number }[]
  final: { walMB: number; dbMB: number; live: number; dead: number; notifications: number; stream: number }
  maxWalMB: number
  maxNotifications: number
  failed: Judgement[]
  problems: string[]
  samples: number
}

export function runEnduranceSoak(options: EnduranceOptions): Promise<EnduranceReport>
