/** Thrown by a case that cannot run here (module missing, no Redis, API not in this build). */
export class SkipError extends Error {
  constructor(reason) {
    super(reason)
    this.name = 'SkipError'
    this.skip = true
  }
}

export function skip(reason) {
  throw new SkipError(reason)
}
