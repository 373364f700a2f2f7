// Trends: pick tags, see their history from the historian (mean per bucket, ~300 buckets across
// the window) in a uPlot chart; drag across the chart to zoom (the zoomed window is fetched again
// at the finer resolution), "Live" follows the last minutes.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { ApiError, enc, getJson } from '../api';
import { loadPlant } from '../plant';
import { plantNow } from '../plantclock';
import { h } from '../ui';

interface Buckets {
  buckets: { start: string; end: string; value: number | null; count: number }[];
}

const colours = ['#1f6feb', '#d1242f', '#1a7f37', '#9a6700', '#8250df', '#0e7490'];
const ranges: [string, number][] = [['15 min', 15 * 60e3], ['1 h', 3600e3], ['8 h', 8 * 3600e3], ['24 h', 24 * 3600e3]];
let selected: string[] = []; // kept across visits of the page

/** 24-hour local time of epoch seconds `v`, with seconds when `seconds`. */
function timeLabel(v: number, seconds: boolean): string {
  return new Date(v * 1000).toLocaleTimeString('en-GB', seconds ? { hour: '2-digit', minute: '2-digit', second: '2-digit' } : { hour: '2-digit', minute: '2-digit' });
}

export async function trendsPage(root: HTMLElement, initial: string | null): Promise<() => void> {
  const plant = await loadPlant();
  const numeric = plant.tags.filter((t) => t.type === 'double' || t.type === 'int64');
  if (initial && numeric.some((t) => t.path === initial) && !selected.includes(initial)) selected = [initial, ...selected].slice(0, 6);
  if (!selected.length && numeric.length) selected = [numeric.find((t) => t.path.endsWith('/filler/speed'))?.path ?? numeric.find((t) => t.path.endsWith('/speed'))?.path ?? numeric[0].path];

  let rangeMs = 15 * 60e3;
  let window_: [number, number] | null = null; // a zoomed window (ms); null: live
  const chartBox = h('div', { class: 'chart', 'data-chart': '' });
  const status = h('span', { class: 'muted', 'data-trend-status': '' });
  const search = h('input', { type: 'search', placeholder: 'Filter tags…', class: 'search' });
  const list = h('div', { class: 'taglist' });
  const rangeBar = h('div', { class: 'ranges' });
  root.append(h('h1', {}, 'Trends'), h('div', { class: 'trends' }, h('aside', {}, search, list), h('div', { class: 'trend-main' }, rangeBar, chartBox, status)));

  const renderList = () => {
    const f = search.value.toLowerCase();
    list.replaceChildren(...numeric.filter((t) => !f || t.path.toLowerCase().includes(f)).map((t) => {
      const box = h('input', { type: 'checkbox', checked: selected.includes(t.path), 'data-tag': t.path });
      box.addEventListener('change', () => {
        selected = box.checked ? [...selected, t.path].slice(-6) : selected.filter((p) => p !== t.path);
        renderList();
        void draw();
      });
      return h('label', { class: 'tagpick' }, box, h('span', {}, t.path.split('/').slice(-2).join('/'), t.unit ? h('small', {}, ` ${t.unit}`) : null));
    }));
  };
  search.addEventListener('input', renderList);
  const renderRanges = () => rangeBar.replaceChildren(
    ...ranges.map(([label, ms]) => h('button', { class: 'chip' + (!window_ && rangeMs === ms ? ' on' : ''), onclick: () => { rangeMs = ms; window_ = null; renderRanges(); void draw(); } }, label)),
    window_ ? h('button', { class: 'chip on', onclick: () => { window_ = null; renderRanges(); void draw(); } }, 'Zoomed · back to live') : h('span', { class: 'muted' }, ' live · drag on the chart to zoom'));
  renderRanges();
  renderList();

  let plot: uPlot | null = null;
  let drawing = false;
  const draw = async () => {
    if (drawing) return;
    drawing = true;
    try {
      const now = window_ ? 0 : await plantNow();
      const [from, to] = window_ ?? [now - rangeMs, now];
      const intervalMs = Math.max(100, Math.round((to - from) / 300));
      const q = `from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}&agg=avg&interval=${intervalMs}ms`;
      const answers = await Promise.all(selected.map((p) =>
        getJson<Buckets>(`/api/v1/tags/${enc(p)}/history?${q}`).catch((e) => (e instanceof ApiError ? e : Promise.reject(e)))));
      const failed = answers.filter((a): a is ApiError => a instanceof ApiError);
      const ok = answers.map((a, i) => [selected[i], a] as const).filter((x): x is [string, Buckets] => !(x[1] instanceof ApiError));
      const xs = ok.length ? ok[0][1].buckets.map((b) => (Date.parse(b.start) + Date.parse(b.end)) / 2000) : [];
      const data: uPlot.AlignedData = [xs, ...ok.map(([, b]) => b.buckets.map((x) => x.value))];
      // Samples sparser than the buckets (a demo at --time-scale 120 polls once per simulated
      // minute) leave lone values between empty buckets, which a line cannot show: draw points.
      const sparse = ok.map(([, b]) => b.buckets.filter((x) => x.value !== null).length * 2 < b.buckets.length);
      const series: uPlot.Series[] = [{ value: (_u, v) => (v === null ? '–' : timeLabel(v, true)) }, ...ok.map(([p], i) => {
        const tag = plant.tags.find((t) => t.path === p);
        return { label: `${p.split('/').slice(-2).join('/')}${tag?.unit ? ` (${tag.unit})` : ''}`, stroke: colours[i % colours.length], width: 2, spanGaps: false,
          points: { show: sparse[i], size: 5, fill: colours[i % colours.length] } };
      })];
      status.textContent = failed.length ? `history not available for ${failed.length} tag(s): ${failed[0].title}` : `${xs.length} buckets of ${intervalMs} ms`;
      chartBox.dataset.points = String(ok.reduce((n, [, b]) => n + b.buckets.filter((x) => x.value !== null).length, 0));
      const width = Math.max(300, (chartBox.clientWidth || 800) - 20);
      if (plot && plot.series.length === series.length && series.every((s, i) => i === 0 || (s.label === plot!.series[i].label && s.points?.show === plot!.series[i].points?.show))) {
        plot.setData(data);
      } else {
        plot?.destroy();
        plot = new uPlot({
          width, height: 380, series,
          scales: { x: { time: true } },
          axes: [{ space: 90, values: (u, splits) => splits.map((v) => timeLabel(v, (u.scales.x.max ?? 0) - (u.scales.x.min ?? 0) < 240)) }, { size: 60 }],
          cursor: { drag: { x: true, y: false, setScale: false } },
          hooks: { setSelect: [(u) => {
            if (u.select.width < 5) return;
            const a = u.posToVal(u.select.left, 'x') * 1000;
            const b = u.posToVal(u.select.left + u.select.width, 'x') * 1000;
            u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
            window_ = [a, b];
            renderRanges();
            void draw();
          }] },
        }, data, chartBox);
      }
    } finally {
      drawing = false;
    }
  };
  await draw();
  const timer = window.setInterval(() => { if (!window_) void draw(); }, 5000);
  const onResize = () => plot?.setSize({ width: Math.max(300, chartBox.clientWidth - 20), height: 380 });
  window.addEventListener('resize', onResize);
  return () => { clearInterval(timer); window.removeEventListener('resize', onResize); plot?.destroy(); };
}
