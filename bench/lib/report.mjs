// Medians, ratios and the three renderings of the results: a console table, Markdown and JSON.

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** A figure with enough digits to compare, not more. */
export function formatNumber(value) {
  if (value === undefined || value === null || Number.isNaN(value)) return '–';
  const abs = Math.abs(value);
  if (abs >= 1000) return Math.round(value).toLocaleString('en-US');
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

/**
 * Summarise one scenario's runs: per client the median, min and max of its metric, its peak RSS, and
 * the ratio of SMTP Lens's median to its median (for "lower is better" metrics the ratio is inverted,
 * so above 1 always means SMTP Lens is better).
 */
export function summarise(scenario, runs) {
  const lens = scenario.lens ?? 'smtp-lens';
  const rows = scenario.clients.map((client) => {
    const values = runs.filter((r) => r.client === client.id && r.value !== undefined).map((r) => r.value);
    const rss = runs.filter((r) => r.client === client.id && r.peakRssKb).map((r) => r.peakRssKb);
    return {
      client: client.id,
      label: client.label,
      median: values.length ? median(values) : undefined,
      min: values.length ? Math.min(...values) : undefined,
      max: values.length ? Math.max(...values) : undefined,
      runs: values.length,
      peakRssMB: rss.length ? Math.round((Math.max(...rss) / 1024) * 10) / 10 : undefined,
      ...(client.note ? { note: client.note } : {}),
    };
  });
  const reference = rows.find((r) => r.client === lens)?.median;
  for (const row of rows) {
    if (reference === undefined || row.median === undefined || row.client === lens) continue;
    row.lensRatio = scenario.higherIsBetter ? reference / row.median : row.median / reference;
  }
  return rows;
}

function table(headers, lines) {
  const widths = headers.map((h, i) => Math.max(h.length, ...lines.map((l) => String(l[i]).length)));
  const pad = (cells) => cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
  return [pad(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...lines.map(pad)].join('\n');
}

function cells(row, scenario) {
  return [
    row.label,
    formatNumber(row.median),
    row.min === undefined ? '–' : `${formatNumber(row.min)}–${formatNumber(row.max)}`,
    row.client === (scenario.lens ?? 'smtp-lens') ? '(SMTP Lens)' : row.lensRatio === undefined ? '–' : `${row.lensRatio.toFixed(2)}×`,
    row.peakRssMB === undefined ? '–' : row.peakRssMB.toFixed(1),
  ];
}

const HEADERS = (unit) => ['client', `median ${unit}`, 'min–max', 'SMTP Lens vs this', 'peak RSS MB'];

export function consoleReport(results) {
  const out = [];
  for (const scenario of results.scenarios) {
    out.push('', `${scenario.id}. ${scenario.title}`);
    if (scenario.skipped) {
      out.push(`   skipped: ${scenario.skipped}`);
      continue;
    }
    out.push(
      table(
        HEADERS(scenario.unit),
        scenario.rows.map((row) => cells(row, scenario)),
      ),
    );
  }
  out.push('', 'Targets:');
  for (const target of results.targets) out.push(`  [${target.met ? 'met' : 'MISSED'}] ${target.text}: ${target.detail}`);
  return out.join('\n');
}

function mdTable(headers, lines) {
  const esc = (c) => String(c).replace(/\|/g, '\\|');
  return [
    `| ${headers.map(esc).join(' | ')} |`,
    `| ${headers.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`,
    ...lines.map((l) => `| ${l.map(esc).join(' | ')} |`),
  ].join('\n');
}

export function markdownReport(results) {
  const m = results.machine;
  const out = [
    `Taken ${results.finishedAt} on ${m.nproc} × ${m.cpuModel}${m.cpuMHz ? ` (${Math.round(m.cpuMHz)} MHz)` : ''}, ${m.memoryGiB} GiB, ` +
      `${m.os ?? m.kernel}, Node ${m.node}, ${m.python ?? 'python3'}, postfix ${m.postfix ?? '?'}.`,
    '',
    `Load average (1 min) at the start ${results.load.start.one}` +
      (results.busy
        ? ' — **other work was running: these figures are noisy; re-run on a quiet machine.**'
        : ' (nothing else was running).') +
      ` During the run the benchmark itself keeps it near 1 (a client and a sink busy on CPU 0) and Chromium in scenario 7 ` +
      `raises it further: ${results.load.beforeRenderer ? `${results.load.beforeRenderer.one} before scenario 7, ` : ''}${results.load.end.one} at the end.`,
    '',
    `Each figure is the median of ${results.settings.reps} runs after ${results.settings.warmup} warm-up run(s), clients run in alternation ` +
      `(the order rotates every round). ${results.settings.pinning}`,
  ];
  for (const scenario of results.scenarios) {
    out.push('', `### ${scenario.id}. ${scenario.title}`, '');
    if (scenario.skipped) {
      out.push(`Skipped: ${scenario.skipped}`);
      continue;
    }
    if (scenario.description) out.push(scenario.description, '');
    out.push(
      mdTable(
        HEADERS(scenario.unit),
        scenario.rows.map((row) => cells(row, scenario)),
      ),
    );
    const notes = scenario.rows.filter((r) => r.note).map((r) => `${r.label}: ${r.note}`);
    if (notes.length) out.push('', ...notes.map((n) => `- ${n}`));
  }
  out.push('', '### Targets', '');
  out.push(
    mdTable(
      ['target', 'result', 'figures'],
      results.targets.map((t) => [t.text, t.met ? 'met' : '**missed**', t.detail]),
    ),
  );
  return out.join('\n') + '\n';
}
