/** An HTTP error the routes answer with: a 4xx status, a stable code and a sentence. */
export class HttpError extends Error {
  readonly status: 400 | 403 | 404 | 405 | 413 | 415 | 503
  readonly code: string
  readonly headers: Record<string, string>

  constructor(status: HttpError['status'], code: string, message: string, headers: Record<string, string> = {}) {
    super(message)
    this.name = 'HttpError'
    this.status = status
    this.code = code
    this.headers = headers
  }
}
