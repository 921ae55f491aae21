import { html } from './escape.ts'
import { HttpError } from './errors.ts'

/** Headers on every page and answer: no framing, no sniffing, and only the package's own script. */
export const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cache-control': 'no-store',
}

/** An HttpError as JSON (`{ error, message }`), or as an escaped HTML page for a browser. */
export function errorResponse(error: HttpError, wantsHtml: boolean): Response {
  const headers = { ...SECURITY_HEADERS, ...error.headers }
  if (wantsHtml) {
    const body = html`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${error.status} · Honker</title></head><body><h1>${error.status}</h1><p>${error.message}</p></body></html>`
    return new Response(body.text, { status: error.status, headers: { ...headers, 'content-type': 'text/html; charset=utf-8' } })
  }
  return Response.json({ error: error.code, message: error.message }, { status: error.status, headers })
}
