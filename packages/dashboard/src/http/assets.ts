import { createHash } from 'node:crypto'

/**
 * Everything the browser loads besides the pages: one stylesheet and one small script, served by
 * the dashboard itself (no CDN, works offline, no build step). The script opens the
 * Server-Sent Events stream, re-fetches the page's <main> when a commit lands, and sends actions.
 */
export const APP_CSS = `:root{color-scheme:light dark;--fg:#1d232b;--bg:#fff;--mute:#6a737d;--line:#e3e6ea;--accent:#0b62d6;--bad:#c62828;--warn:#b26a00;--chip:#eef1f5}
@media (prefers-color-scheme:dark){:root{--fg:#e6e8eb;--bg:#14171b;--mute:#9aa4ae;--line:#2c3138;--accent:#5aa2ff;--bad:#ff6b6b;--warn:#ffb74d;--chip:#242a31}}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:var(--fg);background:var(--bg)}
header{display:flex;gap:16px;align-items:center;padding:10px 20px;border-bottom:1px solid var(--line);flex-wrap:wrap}
.brand{font-weight:700;color:var(--fg);text-decoration:none}nav a{margin-right:12px;color:var(--mute);text-decoration:none}nav a[aria-current]{color:var(--fg);font-weight:600}
.engine{color:var(--mute);font-size:12px;margin-left:auto;max-width:40ch;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.live,.mode{font-size:12px;padding:2px 8px;border-radius:10px;background:var(--chip)}.live.on{color:#1b873f}
main{padding:16px 20px;max-width:1200px}h1{font-size:20px;margin:4px 0 12px}h2{font-size:16px;margin:20px 0 8px}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:6px 10px;border-bottom:1px solid var(--line);vertical-align:top}
th{font-weight:600;color:var(--mute);font-size:12px;text-transform:uppercase;letter-spacing:.03em}.n{text-align:right;font-variant-numeric:tabular-nums}
a{color:var(--accent)}.muted,.empty,.meta{color:var(--mute)}.bad,.bad a{color:var(--bad);font-weight:600}.warn{color:var(--warn)}
.badge{font-size:11px;padding:1px 6px;border-radius:8px;background:var(--chip);color:var(--warn)}
.tabs{display:flex;gap:6px;margin:8px 0 12px}.tab{padding:4px 10px;border-radius:14px;background:var(--chip);color:var(--fg);text-decoration:none;text-transform:capitalize}.tab[aria-current]{background:var(--accent);color:#fff}
code,pre{font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}pre{background:var(--chip);padding:10px;border-radius:6px;overflow:auto;white-space:pre-wrap;word-break:break-word}
pre.error,td.error code{color:var(--bad)}.payload code{word-break:break-all}
dl.fields{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px}dt{color:var(--mute)}dd{margin:0}
button.action{font:inherit;font-size:12px;margin-right:6px;padding:3px 10px;border:1px solid var(--line);border-radius:6px;background:var(--bg);color:var(--fg);cursor:pointer}button.action:hover{border-color:var(--accent)}
#flash{padding:0 20px}#flash:not(:empty){padding:8px 20px;background:var(--chip)}#flash.bad{color:var(--bad)}
.spark rect{fill:var(--accent)}.state{font-size:12px;padding:2px 8px;border-radius:10px;background:var(--chip);vertical-align:middle}.state-dead{color:var(--bad)}
.name{font-family:ui-monospace,monospace}.pager a{margin-right:12px}
`

export const APP_JS = `(() => {
  'use strict'
  const root = document.documentElement
  const base = root.dataset.base || ''
  const csrf = root.dataset.csrf || ''
  const live = document.getElementById('live')
  const flash = document.getElementById('flash')
  let loading = false
  let again = false
  async function refresh() {
    if (loading) { again = true; return }
    loading = true
    try {
      const response = await fetch(location.href, { headers: { 'x-honker-fragment': '1' }, credentials: 'same-origin' })
      const main = document.querySelector('main')
      if (response.ok && main) {
        main.innerHTML = await response.text()
        root.dataset.updated = String(Date.now())
      } else if (!response.ok) {
        const text = await response.text()
        let message = text
        try { message = JSON.parse(text).message } catch (error) {}
        say(message, false)
      }
    } catch (error) {
      if (live) live.textContent = 'offline'
    } finally {
      loading = false
      if (again) { again = false; refresh() }
    }
  }
  function say(text, ok) {
    if (!flash) return
    flash.textContent = text
    flash.className = ok ? 'ok' : 'bad'
  }
  if (typeof EventSource === 'function') {
    let opened = 0
    const events = new EventSource(base + '/events')
    events.addEventListener('ready', () => {
      if (live) { live.textContent = 'live'; live.className = 'live on' }
      if (opened++ > 0) refresh()
    })
    events.addEventListener('change', refresh)
    events.addEventListener('problem', (event) => say('live updates: ' + event.data, false))
    events.onerror = () => { if (live) { live.textContent = 'reconnecting…'; live.className = 'live' } }
  }
  document.addEventListener('click', async (event) => {
    const button = event.target instanceof Element ? event.target.closest('button[data-action]') : null
    if (!button) return
    event.preventDefault()
    if (button.dataset.confirm && !window.confirm(button.dataset.confirm)) return
    button.disabled = true
    try {
      const response = await fetch(base + button.dataset.action, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-honker-csrf': csrf },
        body: button.dataset.body,
        credentials: 'same-origin',
      })
      const text = await response.text()
      let message = text
      try { message = JSON.parse(text).message } catch (error) {}
      say(message, response.ok)
    } catch (error) {
      say(String(error), false)
    } finally {
      button.disabled = false
      refresh()
    }
  })
})()
`

export interface Asset {
  body: string
  type: string
  etag: string
}

const etag = (body: string): string => `"${createHash('sha256').update(body).digest('base64url').slice(0, 16)}"`

export const ASSETS: Readonly<Record<string, Asset>> = {
  'app.css': { body: APP_CSS, type: 'text/css; charset=utf-8', etag: etag(APP_CSS) },
  'app.js': { body: APP_JS, type: 'text/javascript; charset=utf-8', etag: etag(APP_JS) },
}
