type Write = typeof process.stdout.write

const CLEAR_LINE = '\r\x1b[2K'

/**
 * One status line kept at the bottom of a terminal: redrawn in place with a carriage return, and
 * moved out of the way of anything else written to stdout or stderr (a handler's console.log):
 * the line is cleared, the text written, and the line drawn again below it. Only for terminals;
 * redirected output gets JSON lines instead.
 */
export class StatusLine {
  readonly #stdout: NodeJS.WriteStream
  readonly #stderr: NodeJS.WriteStream
  readonly #write: Write
  readonly #writeError: Write
  #text = ''
  #visible = false
  #active = false

  constructor(stdout: NodeJS.WriteStream = process.stdout, stderr: NodeJS.WriteStream = process.stderr) {
    this.#stdout = stdout
    this.#stderr = stderr
    this.#write = stdout.write.bind(stdout) as Write
    this.#writeError = stderr.write.bind(stderr) as Write
  }

  /** Start intercepting writes so they land above the line. */
  start(): void {
    if (this.#active) return
    this.#active = true
    this.#stdout.write = this.#wrap(this.#write)
    if (this.#stderr.isTTY) this.#stderr.write = this.#wrap(this.#writeError)
  }

  /** Replace the line's text and draw it. */
  update(text: string): void {
    this.#text = text
    this.#draw()
  }

  /** Print a line of its own above the status line. */
  log(line: string): void {
    this.#clear()
    this.#write(`${line}\n`)
    this.#draw()
  }

  /** Leave the last status on screen as an ordinary line and stop intercepting writes. */
  stop(): void {
    if (!this.#active) return
    this.#clear()
    if (this.#text !== '') this.#write(`${this.#text}\n`)
    this.#active = false
    this.#stdout.write = this.#write
    this.#stderr.write = this.#writeError
  }

  #wrap(original: Write): Write {
    return ((chunk: unknown, ...rest: unknown[]) => {
      this.#clear()
      const result = (original as (...args: unknown[]) => boolean)(chunk, ...rest)
      // Redraw only after a whole line: text without a newline would run into the status.
      const text = typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : ''
      if (text.endsWith('\n')) this.#draw()
      return result
    }) as Write
  }

  #clear(): void {
    if (!this.#visible) return
    this.#write(CLEAR_LINE)
    this.#visible = false
  }

  #draw(): void {
    if (!this.#active || this.#text === '') return
    // Never wrap: a wrapped line cannot be redrawn with a carriage return.
    const width = Math.max(10, (this.#stdout.columns || 80) - 1)
    const text = this.#text.length > width ? `${this.#text.slice(0, width - 1)}…` : this.#text
    this.#write(`${CLEAR_LINE}${text}`)
    this.#visible = true
  }
}
