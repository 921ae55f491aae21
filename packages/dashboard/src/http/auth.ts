import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'

/** What a request wants to do: read a page, or one of the actions. */
export type DashboardAction =
  | 'read'
  | 'dead.retry'
  | 'dead.delete'
  | 'schedule.pause'
  | 'schedule.resume'
  | 'schedule.run'
  | 'queue.pause'
  | 'queue.resume'

/** Decide whether `request` may do `action`; reads default to allowed, actions to refused. */
export type Authorize = (request: Request, action: DashboardAction) => boolean | Promise<boolean>

export const TOKEN_COOKIE = 'honker_dashboard_token'
export const CSRF_HEADER = 'x-honker-csrf'

/** Compares secrets in constant time (for equal lengths). */
export function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a)
  const right = Buffer.from(b)
  return left.length === right.length && timingSafeEqual(left, right)
}

function cookie(request: Request, name: string): string | null {
  const header = request.headers.get('cookie')
  if (header === null) return null
  for (const part of header.split(';')) {
    const index = part.indexOf('=')
    if (index > 0 && part.slice(0, index).trim() === name) {
      try {
        return decodeURIComponent(part.slice(index + 1).trim())
      } catch {
        return null
      }
    }
  }
  return null
}

/** The token a request carries: `Authorization: Bearer …` or the cookie the token link set. */
export function requestToken(request: Request): string | null {
  const header = request.headers.get('authorization')
  if (header !== null && /^bearer\s+/i.test(header)) return header.replace(/^bearer\s+/i, '').trim()
  return cookie(request, TOKEN_COOKIE)
}

export interface AccessSettings {
  authorize: Authorize | undefined
  token: string | undefined
}

/**
 * Whether `request` may do `action`. Reads: the authorize hook when there is one, else yes.
 * Actions: the hook or the token, whichever allows; with neither, the dashboard is read-only.
 */
export async function allowed(settings: AccessSettings, request: Request, action: DashboardAction): Promise<boolean> {
  if (action === 'read') return settings.authorize === undefined ? true : (await settings.authorize(request, action)) === true
  if (settings.token !== undefined) {
    const given = requestToken(request)
    if (given !== null && sameSecret(given, settings.token)) return true
  }
  if (settings.authorize !== undefined) return (await settings.authorize(request, action)) === true
  return false
}

/** Whether any request could be allowed actions: otherwise the pages show no action buttons. */
export function actionsPossible(settings: AccessSettings): boolean {
  return settings.authorize !== undefined || settings.token !== undefined
}

/**
 * Cross-site request protection for POSTs, three checks that must all pass:
 * - `Sec-Fetch-Site`, when the browser sends it, is `same-origin`;
 * - `Origin`, when sent, is this dashboard's own (its host as the request names it, or one of
 *   `trustedOrigins` behind a proxy that rewrites the host);
 * - the `X-Honker-CSRF` header carries the token the dashboard's pages embed (an HMAC of a secret
 *   made at start), which a page on another site cannot read. A custom header also means a
 *   cross-site form cannot send the request at all, and a script must pass CORS first (never granted).
 */
export class CsrfGuard {
  readonly #secret: Buffer
  readonly #trustedOrigins: ReadonlySet<string>

  constructor(trustedOrigins: readonly string[] = []) {
    this.#secret = randomBytes(32)
    this.#trustedOrigins = new Set(trustedOrigins.map((origin) => origin.replace(/\/+$/, '')))
  }

  token(): string {
    return createHmac('sha256', this.#secret).update('honker-dashboard-csrf').digest('base64url')
  }

  /** null when the request passes; otherwise why it does not. */
  check(request: Request): string | null {
    const site = request.headers.get('sec-fetch-site')
    if (site !== null && site !== 'same-origin') return `cross-site request refused (Sec-Fetch-Site: ${site})`
    const origin = request.headers.get('origin')
    if (origin !== null) {
      const host = request.headers.get('host') ?? new URL(request.url).host
      let originHost: string | null = null
      try {
        originHost = new URL(origin).host
      } catch {
        originHost = null
      }
      if (originHost !== host && !this.#trustedOrigins.has(origin)) return `cross-site request refused (Origin ${origin} is not this dashboard's)`
    }
    const given = request.headers.get(CSRF_HEADER)
    if (given === null || !sameSecret(given, this.token())) return `missing or wrong ${CSRF_HEADER} header: actions are sent by the dashboard's own pages`
    return null
  }
}
