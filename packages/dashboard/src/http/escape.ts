/**
 * HTML that is already safe: markup the views wrote, with every interpolated value escaped. The
 * only way to make one is the `html` tag (or `raw` for the package's own constant markup).
 */
export class SafeHtml {
  readonly text: string
  constructor(text: string) {
    this.text = text
  }
  toString(): string {
    return this.text
  }
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' }

/** Text for an HTML text node or a quoted attribute value: `& < > " ' \`` become entities. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"'`]/g, (char) => ENTITIES[char]!)
}

type Interpolation = SafeHtml | string | number | boolean | null | undefined | readonly Interpolation[]

function render(value: Interpolation): string {
  if (value === null || value === undefined || value === false) return ''
  if (value instanceof SafeHtml) return value.text
  if (Array.isArray(value)) return value.map(render).join('')
  return escapeHtml(String(value))
}

/**
 * The views' template tag: every `${value}` is escaped unless it is SafeHtml from another `html`
 * call, so a payload, an error text or a queue name can never become markup.
 */
export function html(strings: TemplateStringsArray, ...values: Interpolation[]): SafeHtml {
  let out = strings[0]!
  for (let i = 0; i < values.length; i++) out += render(values[i]!) + strings[i + 1]!
  return new SafeHtml(out)
}

/** The package's own constant markup (never user data). */
export function raw(text: string): SafeHtml {
  return new SafeHtml(text)
}
