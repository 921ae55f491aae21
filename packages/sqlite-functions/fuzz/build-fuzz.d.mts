/** The sanitizer build's path, building what is missing. */
export function buildFuzz(): string
/** The environment a fuzz run needs: stop at the first sanitizer report, with a stack. */
export const SANITIZER_ENV: Record<string, string>
