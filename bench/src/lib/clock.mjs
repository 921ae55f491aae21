/**
 * Milliseconds on CLOCK_MONOTONIC, the one clock all processes on a machine share, for latencies
 * timed across processes (the producer's commit here, the consumer's handler start there).
 *
 * Not `performance.timeOrigin + performance.now()`: each process fixes its timeOrigin from its own
 * wall-clock read at start-up, and two processes' origins were found 0.3-1.3 ms apart, as much as
 * the wake latencies themselves (some samples came out negative). Node's `process.hrtime` reads
 * CLOCK_MONOTONIC; Bun's counts from the process's start, so on Bun libc's clock_gettime is called
 * through bun:ffi (about 0.2 us a read).
 */
const CLOCK_MONOTONIC = 1

function bunMonotonicMs(ffi) {
  const libc = ffi.dlopen('libc.so.6', { clock_gettime: { args: [ffi.FFIType.i32, ffi.FFIType.ptr], returns: ffi.FFIType.i32 } })
  const timespec = new BigInt64Array(2)
  const at = ffi.ptr(timespec)
  return () => {
    libc.symbols.clock_gettime(CLOCK_MONOTONIC, at)
    return Number(timespec[0]) * 1e3 + Number(timespec[1]) / 1e6
  }
}

function nodeMonotonicMs() {
  const [seconds, nanos] = process.hrtime()
  return seconds * 1e3 + nanos / 1e6
}

export const monotonicMs = globalThis.Bun ? bunMonotonicMs(await import('bun:ffi')) : nodeMonotonicMs
