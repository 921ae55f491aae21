/**
 * Action bodies are a few ids at most; anything larger is refused before it is parsed. In a
 * module of its own so the package's public declarations never import Hono's, which need
 * TypeScript 5.7's generic `Uint8Array` (an app on an older TypeScript still compiles).
 */
export const MAX_BODY_BYTES = 64 * 1024
