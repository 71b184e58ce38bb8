// The --warm option of the Node clients: repeat the run, untimed, in the same process until its rate
// settles (two passes in a row within 5% of each other; at least 2 passes, at most 8), so the timed
// run that follows measures a compiled, steady engine — as in the app, one long-running process —
// rather than one still being compiled, as a fresh CLI process is.

/** Run `run` until `rateOf(result)` settles; the rates of the passes, in order. */
export async function warmUp(run, rateOf, { minPasses = 2, maxPasses = 8, tolerance = 0.05 } = {}) {
  const rates = [];
  for (let pass = 0; pass < maxPasses; pass++) {
    rates.push(rateOf(await run()));
    if (rates.length < minPasses) continue;
    const [before, last] = rates.slice(-2);
    if (Math.abs(last - before) <= tolerance * before) break;
  }
  return rates;
}
