/**
 * Request-rate figures from per-bin counts. Peaks are taken over windows of `windowMs` (a
 * multiple of the bin): with ~50 requests/s, one-second counts are Poisson noise of ±15% on
 * their own, so a one-second peak says more about chance than about synchronisation.
 */
export interface RateSummary {
  /** Requests per second over the whole span. */
  readonly mean: number;
  /** Highest requests per second over any `windowMs` window aligned to the span's start. */
  readonly peak: number;
  /** Virtual ms at the start of the peak window. */
  readonly peakAt: number;
  readonly peakToMean: number;
}

export function summariseRates(bins: ArrayLike<number>, binMs: number, fromMs: number, toMs: number, windowMs: number): RateSummary {
  const first = Math.ceil(fromMs / binMs);
  const last = Math.min(bins.length, Math.floor(toMs / binMs));
  const perWindow = Math.max(1, Math.round(windowMs / binMs));
  let total = 0;
  let peakCount = 0;
  let peakBin = first;
  for (let start = first; start < last; start += perWindow) {
    const end = Math.min(last, start + perWindow);
    let count = 0;
    for (let bin = start; bin < end; bin++) count += bins[bin]!;
    total += count;
    // Only full windows compete for the peak; a short tail window is too noisy to count.
    const rate = count / (((end - start) * binMs) / 1000);
    if (end - start === perWindow && rate > peakCount) {
      peakCount = rate;
      peakBin = start;
    }
  }
  const seconds = ((last - first) * binMs) / 1000;
  const mean = seconds > 0 ? total / seconds : 0;
  return { mean, peak: peakCount, peakAt: peakBin * binMs, peakToMean: mean > 0 ? peakCount / mean : 0 };
}

/** Requests per second in consecutive windows of `windowMs`, for plotting. */
export function ratesOverTime(bins: ArrayLike<number>, binMs: number, windowMs: number): number[] {
  const perWindow = Math.max(1, Math.round(windowMs / binMs));
  const rates: number[] = [];
  for (let start = 0; start < bins.length; start += perWindow) {
    let count = 0;
    const end = Math.min(bins.length, start + perWindow);
    for (let bin = start; bin < end; bin++) count += bins[bin]!;
    rates.push(count / (((end - start) * binMs) / 1000));
  }
  return rates;
}
