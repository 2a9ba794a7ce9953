/**
 * A small dependency-free line plot as SVG: latency (log y) against request
 * rate (x in even steps, one per swept rate). Points with no value (a step
 * that was skipped or saturated) are left out of their line.
 */
export interface PlotSeries {
  readonly name: string;
  readonly color: string;
  readonly dashed?: boolean;
  /** One value per x label; undefined or NaN = no point. */
  readonly values: readonly (number | undefined)[];
}

const W = 640;
const H = 360;
const M = { left: 60, right: 170, top: 30, bottom: 45 };

export function renderLatencyPlot(
  title: string,
  xLabels: readonly string[],
  series: readonly PlotSeries[],
): string {
  const all = series
    .flatMap((s) => s.values)
    .filter((v): v is number => v !== undefined && Number.isFinite(v) && v > 0);
  const lo = Math.pow(10, Math.floor(Math.log10(Math.min(...all, 1))));
  const hi = Math.pow(10, Math.ceil(Math.log10(Math.max(...all, 10))));
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const x = (i: number): number =>
    M.left + (xLabels.length === 1 ? plotW / 2 : (i * plotW) / (xLabels.length - 1));
  const y = (v: number): number =>
    M.top + plotH - ((Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * plotH;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${M.left}" y="18" font-size="13">${escape(title)}</text>`,
  ];
  for (let decade = lo; decade <= hi; decade *= 10) {
    parts.push(
      `<line x1="${M.left}" x2="${M.left + plotW}" y1="${y(decade)}" y2="${y(decade)}" stroke="#ddd"/>`,
      `<text x="${M.left - 6}" y="${y(decade) + 4}" text-anchor="end">${decade} ms</text>`,
    );
  }
  xLabels.forEach((label, i) =>
    parts.push(`<text x="${x(i)}" y="${M.top + plotH + 16}" text-anchor="middle">${escape(label)}</text>`),
  );
  parts.push(
    `<text x="${M.left + plotW / 2}" y="${H - 8}" text-anchor="middle">offered load (requests/s)</text>`,
    `<line x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${M.top + plotH}" stroke="#333"/>`,
    `<line x1="${M.left}" x2="${M.left + plotW}" y1="${M.top + plotH}" y2="${M.top + plotH}" stroke="#333"/>`,
  );
  series.forEach((s, n) => {
    const points = s.values.flatMap((v, i) =>
      v !== undefined && Number.isFinite(v) && v > 0 ? [`${x(i).toFixed(1)},${y(v).toFixed(1)}`] : [],
    );
    const dash = s.dashed ? ' stroke-dasharray="5,4"' : '';
    if (points.length > 0)
      parts.push(
        `<polyline fill="none" stroke="${s.color}" stroke-width="2"${dash} points="${points.join(' ')}"/>`,
      );
    for (const point of points) {
      const [px, py] = point.split(',');
      parts.push(`<circle cx="${px}" cy="${py}" r="2.5" fill="${s.color}"/>`);
    }
    const ly = M.top + 10 + n * 18;
    parts.push(
      `<line x1="${W - M.right + 12}" x2="${W - M.right + 32}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="2"${dash}/>`,
      `<text x="${W - M.right + 38}" y="${ly + 4}">${escape(s.name)}</text>`,
    );
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

function escape(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}
