/**
 * A hand-written SVG line plot (no plotting library is installed): one panel per series,
 * log-scaled y so a start-up burst and the steady rate are both readable.
 */
export interface Series {
  readonly title: string;
  /** y values at x = i * stepSeconds. */
  readonly values: readonly number[];
  readonly stepSeconds: number;
  /** Horizontal reference lines, e.g. the mean and 1.5× the mean. */
  readonly marks?: ReadonlyArray<{ readonly y: number; readonly label: string; readonly colour: string }>;
  /** Shaded x ranges in seconds, e.g. an outage. */
  readonly shade?: ReadonlyArray<{ readonly from: number; readonly to: number; readonly label: string }>;
}

const WIDTH = 900;
const PANEL = 260;
const MARGIN = { left: 70, right: 20, top: 40, bottom: 40 };

export function linePlotSvg(title: string, yLabel: string, series: readonly Series[]): string {
  const height = series.length * (PANEL + MARGIN.top + MARGIN.bottom) + 30;
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`, `<text x="${WIDTH / 2}" y="20" text-anchor="middle" font-size="15">${escape(title)}</text>`];
  series.forEach((each, index) => parts.push(panel(each, yLabel, 30 + index * (PANEL + MARGIN.top + MARGIN.bottom))));
  parts.push('</svg>');
  return parts.join('\n');
}

function panel(series: Series, yLabel: string, top: number): string {
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const x0 = MARGIN.left;
  const y0 = top + MARGIN.top;
  const maxX = series.values.length * series.stepSeconds;
  const positive = series.values.filter((v) => v > 0);
  const lo = Math.pow(10, Math.floor(Math.log10(Math.max(0.1, Math.min(...positive, ...(series.marks ?? []).map((m) => m.y))))));
  const hi = Math.pow(10, Math.ceil(Math.log10(Math.max(...positive, 1))));
  const sx = (x: number) => x0 + (x / maxX) * plotWidth;
  const sy = (y: number) => y0 + PANEL - ((Math.log10(Math.max(y, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * PANEL;
  const out = [`<text x="${x0}" y="${y0 - 10}" font-size="13" font-weight="bold">${escape(series.title)}</text>`];
  for (const shade of series.shade ?? []) {
    out.push(`<rect x="${sx(shade.from).toFixed(1)}" y="${y0}" width="${(sx(shade.to) - sx(shade.from)).toFixed(1)}" height="${PANEL}" fill="#fbd5d5"/>`,
      `<text x="${(sx(shade.to) + 4).toFixed(1)}" y="${y0 + 14}" fill="#b33">${escape(shade.label)}</text>`);
  }
  for (let decade = lo; decade <= hi; decade *= 10) {
    out.push(`<line x1="${x0}" x2="${x0 + plotWidth}" y1="${sy(decade).toFixed(1)}" y2="${sy(decade).toFixed(1)}" stroke="#ddd"/>`,
      `<text x="${x0 - 6}" y="${(sy(decade) + 4).toFixed(1)}" text-anchor="end">${decade >= 1 ? decade.toFixed(0) : decade}</text>`);
  }
  const hours = maxX / 3600;
  const tickHours = hours > 6 ? 2 : hours > 2 ? 0.5 : 0.25;
  for (let h = 0; h <= hours + 1e-9; h += tickHours) {
    out.push(`<line x1="${sx(h * 3600).toFixed(1)}" x2="${sx(h * 3600).toFixed(1)}" y1="${y0 + PANEL}" y2="${y0 + PANEL + 5}" stroke="#333"/>`,
      `<text x="${sx(h * 3600).toFixed(1)}" y="${y0 + PANEL + 18}" text-anchor="middle">${formatHours(h)}</text>`);
  }
  out.push(`<rect x="${x0}" y="${y0}" width="${plotWidth}" height="${PANEL}" fill="none" stroke="#333"/>`,
    `<text transform="translate(${x0 - 50},${y0 + PANEL / 2}) rotate(-90)" text-anchor="middle">${escape(yLabel)}</text>`,
    `<text x="${x0 + plotWidth / 2}" y="${y0 + PANEL + 34}" text-anchor="middle">virtual time (h:mm)</text>`);
  const points = series.values.map((v, i) => `${sx(i * series.stepSeconds).toFixed(1)},${sy(v).toFixed(1)}`).join(' ');
  out.push(`<polyline fill="none" stroke="#1f5fbf" stroke-width="1" points="${points}"/>`);
  (series.marks ?? []).forEach((mark, index) => {
    // Labels alternate ends so marks close together stay legible.
    const labelX = index % 2 ? x0 + plotWidth - 4 : x0 + 4;
    out.push(`<line x1="${x0}" x2="${x0 + plotWidth}" y1="${sy(mark.y).toFixed(1)}" y2="${sy(mark.y).toFixed(1)}" stroke="${mark.colour}" stroke-dasharray="5,4"/>`,
      `<text x="${labelX}" y="${(sy(mark.y) - 4).toFixed(1)}" text-anchor="${index % 2 ? 'end' : 'start'}" fill="${mark.colour}">${escape(mark.label)}</text>`);
  });
  return out.join('\n');
}

function formatHours(hours: number): string {
  const minutes = Math.round(hours * 60);
  return `${Math.floor(minutes / 60)}:${String(minutes % 60).padStart(2, '0')}`;
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
