/** Small statistics helpers. Every summary here is order-free, so runs can be pooled freely. */

export function median(values) {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b)
  if (sorted.length === 0) return null
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/** Nearest-rank percentile (p in 0..100) of already finite values; no interpolation. */
export function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b)
  if (sorted.length === 0) return null
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length))
  return sorted[Math.min(sorted.length, rank) - 1]
}

/**
 * A wake-latency run's figures: `seen` is the consumer's [i, monotonicMs()] per sample, `actedAt` the
 * producer's monotonicMs() after sample i's commit (or write); the first `warmup` are untimed.
 * Throws unless exactly `samples` timed ones came back.
 */
export function latencyFigures(seen, actedAt, warmup, samples, detail = {}) {
  const latencies = []
  for (const [i, at] of seen) if (i >= warmup) latencies.push(at - actedAt.get(i))
  if (latencies.length !== samples) throw new Error(`${latencies.length} of ${samples} samples came back`)
  return {
    values: { p50: percentile(latencies, 50), p99: percentile(latencies, 99) },
    units: latencies.length,
    detail: {
      min: Math.min(...latencies),
      max: Math.max(...latencies),
      mean: latencies.reduce((a, b) => a + b, 0) / latencies.length,
      ...detail,
    },
  }
}

/** Seeded PRNG (mulberry32): the random gaps of a latency run are the same on every machine. */
export function rng(seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
