// Work centre detail: the state timeline of the current shift (from its planned start, as the
// server's calendar says, to now on the plant's clock; the last 8 h off shift), the downtime
// Pareto by reason, good and scrap against target, A/P/Q/OEE, and the unassigned stops, each of
// which an operator names in two taps (the stop, then its reason).
import { ApiError, Downtime, DowntimeInterval, EquipmentState, Oee, enc, getJson, sendJson } from '../api';
import { currentShiftGroup, loadPlant } from '../plant';
import { plantNow } from '../plantclock';
import { session } from '../session';
import { categoryLabel, clock, duration, h, leaf, num, pct, unavailable } from '../ui';

// The configured reason tree (GET /api/v1/reasons): the unplanned reasons an operator may give a
// stop, grouped by category in the server's order. Planned reasons and "unassigned" are not
// offered. Empty when the route cannot be read (the picker then says so).
export interface ReasonInfo { id: string; category: string; planned: boolean; unplanned_outside_window: boolean }

async function reasons(): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  try {
    const r = await getJson<{ reasons: ReasonInfo[] }>('/api/v1/reasons');
    for (const x of r.reasons)
      if (!x.planned && x.id !== 'unassigned') (out[x.category || 'other'] ??= []).push(x.id);
  } catch {
    // leave it empty: reasonPicker() says the list is unavailable
  }
  return out;
}

export async function workCentrePage(root: HTMLElement, wc: string): Promise<() => void> {
  const plant = await loadPlant();
  if (!plant.workCentres.includes(wc)) {
    root.append(h('h1', {}, leaf(wc)), unavailable('This work centre', 'not a work centre with state rules'));
    return () => {};
  }
  const reasonGroups = await reasons();
  const head = h('div', { class: 'wc-title' });
  const kpis = h('div', { class: 'kpis' });
  const counts = h('div', { class: 'counts' });
  const timeline = h('div', { class: 'timeline', 'data-timeline': wc });
  const stops = h('div', { class: 'stops' });
  const pareto = h('div', { class: 'pareto', 'data-pareto': wc });
  root.append(
    head,
    h('section', {}, h('h2', {}, 'This shift'), kpis, counts),
    h('section', {}, h('h2', {}, 'State timeline'), timeline, h('div', { class: 'legend' },
      ...['producing', 'idle', 'starved', 'blocked', 'planned_downtime', 'unplanned_downtime', 'no_data'].map((c) =>
        h('span', {}, h('i', { class: `sw cat-${c}` }), categoryLabel[c])))),
    h('section', {}, h('h2', {}, 'Unassigned stops'), stops),
    h('section', {}, h('h2', {}, 'Downtime by reason'), pareto),
  );

  let picking: DowntimeInterval | null = null; // the stop whose reason is being chosen (tap 1 done)
  let span = 'the last 8 h'; // what the timeline, stops and Pareto cover

  const refresh = async () => {
    let state: EquipmentState;
    try {
      state = await getJson<EquipmentState>(`/api/v1/equipment/${enc(wc)}/state`);
    } catch (e) {
      head.replaceChildren(h('h1', {}, leaf(wc)), unavailable('State', e instanceof ApiError ? e.title : String(e)));
      return;
    }
    head.replaceChildren(
      h('h1', {}, leaf(wc), ' ', h('span', { class: `badge cat-${state.category}`, 'data-state': state.category }, categoryLabel[state.category] ?? state.category)),
      h('div', { class: 'sub' }, `${wc} · shift ${state.shift || '–'} · order ${state.order || '–'} · product ${state.product || '–'} · since ${clock(state.since)}`, state.reason ? ` · reason ${state.reason}` : ''),
    );
    try {
      const oee = await getJson<Oee>(`/api/v1/oee?scope=${encodeURIComponent(wc)}&by=shift`);
      const g = currentShiftGroup(oee.groups, state.shift);
      kpis.replaceChildren(
        ...([['Availability', g?.availability], ['Performance', g?.effectiveness], ['Quality', g?.quality_ratio], ['OEE', g?.oee]] as const).map(
          ([label, v]) => h('div', { class: 'kpi', 'data-kpi': label }, h('small', {}, label), h('b', {}, pct(v ?? null)))),
      );
      // Target: what the planned busy time would have made at the ideal cycle time
      // (ideal cycle = planned run time / produced quantity).
      const target = g && g.produced_quantity > 0 ? (g.planned_busy_time_s * g.produced_quantity) / g.planned_run_time_s : null;
      const max = Math.max(target ?? 0, g?.produced_quantity ?? 0, 1);
      const bar = (label: string, v: number | null, cls: string) =>
        h('div', { class: 'qty' }, h('span', { class: 'qty-label' }, label),
          h('span', { class: 'qty-bar' }, h('i', { class: cls, style: `width:${(((v ?? 0) / max) * 100).toFixed(1)}%` })),
          h('b', { 'data-qty': label }, num(v === null ? null : Math.round(v))));
      counts.replaceChildren(bar('Target', target, 'q-target'), bar('Good', g?.good_quantity ?? null, 'q-good'), bar('Scrap', g?.scrap_quantity ?? null, 'q-scrap'));
    } catch (e) {
      kpis.replaceChildren(unavailable('OEE', e instanceof ApiError ? e.title : String(e)));
    }
    try {
      // The shift's planned start (DST-correct, from the site calendar); off shift the last 8 h.
      const onShift = !!state.shift_start;
      const from = state.shift_start ?? new Date((await plantNow()) - 8 * 3600e3).toISOString();
      const dt = await getJson<Downtime>(`/api/v1/downtime?scope=${encodeURIComponent(wc)}&from=${from}`);
      span = onShift ? 'this shift' : 'the last 8 h';
      renderTimeline(timeline, dt);
      renderPareto(pareto, dt, span);
      renderStops(dt.intervals.filter((i) => i.assignable));
    } catch (e) {
      pareto.replaceChildren(unavailable('Downtime', e instanceof ApiError ? e.title : String(e)));
    }
  };

  const renderStops = (open: DowntimeInterval[]) => {
    // One row per stop (several intervals of one stop share stop_start).
    const byStop = new Map<string, DowntimeInterval>();
    for (const i of open) if (!byStop.has(i.stop_start)) byStop.set(i.stop_start, i);
    if (!byStop.size) {
      stops.replaceChildren(h('p', { class: 'muted' }, `No unassigned stops in ${span}.`));
      return;
    }
    const rows = [...byStop.values()].reverse().map((stop) =>
      h('div', { class: 'stop' + (picking?.stop_start === stop.stop_start ? ' picking' : '') },
        h('button', { class: 'big', 'data-stop': stop.stop_start, onclick: () => { picking = stop; renderStops(open); } },
          `Stop at ${clock(stop.stop_start)} · ${duration(stop.duration_s)} · ${categoryLabel[stop.category] ?? stop.category}`),
        picking?.stop_start === stop.stop_start ? reasonPicker(stop) : null));
    stops.replaceChildren(...rows);
  };

  const reasonPicker = (stop: DowntimeInterval) =>
    h('div', { class: 'reasons' },
      Object.keys(reasonGroups).length ? null : h('small', {}, 'The reason list could not be read (GET /api/v1/reasons).'),
      ...Object.entries(reasonGroups).map(([group, ids]) =>
        h('div', { class: 'reason-group' }, h('small', {}, group),
          ...ids.map((id) => h('button', { class: 'reason', 'data-reason': id, onclick: () => void assign(stop, id) }, id.replace(/_/g, ' '))))),
      h('button', { class: 'reason cancel', onclick: () => { picking = null; void refresh(); } }, 'Cancel'));

  const assign = async (stop: DowntimeInterval, reason: string) => {
    const who = session.user || 'operator';
    try {
      await sendJson('POST', '/api/v1/downtime/assign', { work_centre: wc, start: stop.stop_start, reason, by: who });
      toast(`${reason.replace(/_/g, ' ')} assigned to the stop at ${clock(stop.stop_start)}`);
    } catch (e) {
      toast(e instanceof ApiError ? `${e.title}: ${e.detail}` : String(e), true);
    }
    picking = null;
    await refresh();
  };

  await refresh();
  const timer = window.setInterval(() => { if (!picking) void refresh(); }, 5000);
  return () => clearInterval(timer);
}

function renderTimeline(el: HTMLElement, dt: Downtime): void {
  // The range is exactly [from, to) of the answer: the shift's start to the plant's now. When its
  // first interval is "no data" (gantry started during the shift), the time before it is not
  // known either, so it is drawn as no data rather than as producing (the track's colour).
  const first = [...dt.intervals].sort((a, b) => Date.parse(a.start) - Date.parse(b.start))[0];
  const from = Date.parse(dt.from);
  const to = Date.parse(dt.to);
  const unknownUntil = first && first.category === 'no_data' ? Math.max(from, Date.parse(first.start)) : from;
  const span = Math.max(1, to - from);
  const segs = dt.intervals.map((i) => {
    const s = Date.parse(i.start);
    const e = Date.parse(i.end);
    return h('i', {
      class: `seg cat-${i.category}`,
      title: `${categoryLabel[i.category] ?? i.category} ${clock(i.start)}–${clock(i.end)} ${i.reason}`,
      style: `left:${(((s - from) / span) * 100).toFixed(3)}%;width:${Math.max(0.2, ((e - s) / span) * 100).toFixed(3)}%`,
    });
  });
  if (unknownUntil > from)
    segs.unshift(h('i', { class: 'seg cat-no_data', title: `${categoryLabel.no_data ?? 'no data'} before ${clock(new Date(unknownUntil).toISOString())}`,
      style: `left:0%;width:${(((unknownUntil - from) / span) * 100).toFixed(3)}%` }));
  el.dataset.from = new Date(from).toISOString();
  el.dataset.to = new Date(to).toISOString();
  el.replaceChildren(h('div', { class: 'track cat-producing' }, ...segs),
    h('div', { class: 'axis' }, h('span', {}, clock(el.dataset.from)), h('span', {}, clock(dt.to))));
}

function renderPareto(el: HTMLElement, dt: Downtime, span: string): void {
  const rows = [...dt.pareto].sort((a, b) => b.duration_s - a.duration_s);
  if (!rows.length) {
    el.replaceChildren(h('p', { class: 'muted' }, `No downtime in ${span}.`));
    return;
  }
  const max = rows[0].duration_s || 1;
  el.replaceChildren(...rows.map((r) =>
    h('div', { class: 'pareto-row', 'data-reason': r.reason || '(unassigned)', 'data-duration': r.duration_s.toFixed(3) },
      h('span', { class: 'pareto-label' }, r.reason || '(unassigned)'),
      h('span', { class: 'qty-bar' }, h('i', { class: `cat-${r.category}`, style: `width:${((r.duration_s / max) * 100).toFixed(1)}%` })),
      h('b', {}, `${duration(r.duration_s)} · ${r.stops} stop${r.stops === 1 ? '' : 's'}`))));
}

export function toast(text: string, error = false): void {
  const t = h('div', { class: 'toast' + (error ? ' error' : ''), role: 'status' }, text);
  document.body.append(t);
  setTimeout(() => t.remove(), 4000);
}
