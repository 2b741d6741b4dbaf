/**
 * While an import reads its file, V8's old generation may grow by at most `IMPORT_HEAP_GROWING_PERCENT` between two
 * full collections. Reading allocates ~1–2 KB of short-lived strings per line (≈ 200 MB/s); with V8's default
 * growing factor (up to 4× the live heap) the garbage of the 1M-line file floated up to 250 MB of heap and the
 * process peaked at 384 MB. The live heap stays ≈ 30–60 MB, so a bounded factor keeps the peak near the live size
 * (docs/benchmarks.md, "Import … peak memory"). Process-wide while any import of this process reads (a count, so
 * two imports in one worker do not reset each other); the default heuristic comes back when the last one stops.
 */
import v8 from 'node:v8';

export const IMPORT_HEAP_GROWING_PERCENT = 30;

let reading = 0;

/** Bounds heap growth until the returned function is called. */
export function boundHeapGrowth(): () => void {
  if (reading++ === 0) v8.setFlagsFromString(`--heap-growing-percent=${IMPORT_HEAP_GROWING_PERCENT}`);
  let done = false;
  return () => {
    if (done) return;
    done = true;
    if (--reading === 0) v8.setFlagsFromString('--heap-growing-percent=0');
  };
}
