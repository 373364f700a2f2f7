// Plant overview: every work centre's state as a colour, its order and progress, and OEE so far
// this shift, per line. States are refreshed every 5 s and at once when a state tag changes.
import { ApiError, EquipmentState, Oee, enc, getJson } from '../api';
import { live } from '../live';
import { Plant, currentShiftGroup, loadPlant } from '../plant';
import { Order, orderWithProgress } from './orders';
import { categoryLabel, clock, h, leaf, num, pct, unavailable } from '../ui';

export async function overviewPage(root: HTMLElement): Promise<() => void> {
  const plant = await loadPlant();
  root.append(h('h1', {}, 'Plant overview'));
  if (!plant.operations) root.append(unavailable('Operations (states, OEE)', 'the operations part of gantry is not running'));
  const cards = new Map<string, HTMLElement>();
  for (const [line, wcs] of plant.lines) {
    const lineOee = h('span', { class: 'line-oee', 'data-line-oee': line }, '–');
    root.append(h('h2', {}, leaf(line), ' ', h('small', {}, line), ' · OEE this shift ', lineOee));
    const grid = h('div', { class: 'grid' });
    for (const wc of wcs) {
      const card = h('a', { class: 'card wc', href: `#/wc/${wc}`, 'data-wc': wc });
      cards.set(wc, card);
      grid.append(card);
    }
    root.append(grid);
  }
  if (!plant.workCentres.length) root.append(h('p', {}, 'No work centres with state rules are configured.'));

  const refreshOne = async (wc: string) => {
    const card = cards.get(wc)!;
    try {
      const state = await getJson<EquipmentState>(`/api/v1/equipment/${enc(wc)}/state`);
      const oee = await getJson<Oee>(`/api/v1/oee?scope=${encodeURIComponent(wc)}&by=shift`).catch(() => null);
      const g = oee ? currentShiftGroup(oee.groups, state.shift) : undefined;
      const order = state.order ? await orderWithProgress(state.order) : null;
      renderCard(card, wc, state, g?.oee ?? null, g?.good_quantity ?? null, g?.scrap_quantity ?? null, plant, order);
    } catch (e) {
      card.replaceChildren(h('b', {}, leaf(wc)), h('div', {}, e instanceof ApiError ? e.title : String(e)));
      card.className = 'card wc cat-no_data';
    }
  };
  const refreshLines = async () => {
    for (const [line, wcs] of plant.lines) {
      const el = root.querySelector<HTMLElement>(`[data-line-oee="${line}"]`);
      if (!el) continue;
      try {
        const state = await getJson<EquipmentState>(`/api/v1/equipment/${enc(wcs[0])}/state`);
        const oee = await getJson<Oee>(`/api/v1/oee?scope=${encodeURIComponent(line)}&by=shift`);
        el.textContent = pct(currentShiftGroup(oee.groups, state.shift)?.oee ?? null);
      } catch {
        el.textContent = '–';
      }
    }
  };
  const refreshAll = () => {
    plant.workCentres.forEach((wc) => void refreshOne(wc));
    void refreshLines();
  };
  refreshAll();
  const timer = window.setInterval(refreshAll, 5000);
  const off = live.on((v) => {
    const wc = v.path.slice(0, v.path.lastIndexOf('/'));
    const name = leaf(v.path);
    const card = cards.get(wc);
    if (!card) return;
    if (name === 'state' || name === 'fault_code' || name === 'planned_stop') void refreshOne(wc);
    const speed = card.querySelector<HTMLElement>(`[data-live="${v.path}"]`);
    if (speed) speed.textContent = num(v.value);
  });
  return () => {
    clearInterval(timer);
    off();
  };
}

function renderCard(card: HTMLElement, wc: string, s: EquipmentState, oee: number | null,
                    good: number | null, scrap: number | null, plant: Plant, order: Order | null): void {
  card.className = `card wc cat-${s.category}`;
  card.dataset.category = s.category;
  const speedTag = plant.tags.find((t) => t.path === `${wc}/speed`);
  const speed = speedTag ? live.values.get(speedTag.path)?.value ?? speedTag.value : null;
  // The product from the state, else the work centre's own product tag (live).
  const productTag = `${wc}/product`;
  const product = s.product || String(live.values.get(productTag)?.value ?? plant.tags.find((t) => t.path === productTag)?.value ?? '') || '–';
  card.replaceChildren(
    h('div', { class: 'wc-head' }, h('b', {}, leaf(wc)), h('span', { class: `badge cat-${s.category}` }, categoryLabel[s.category] ?? s.category)),
    h('div', { class: 'wc-reason' }, s.reason ? `Reason: ${s.reason}` : s.category === 'producing' ? '' : 'Reason: unassigned', ` since ${clock(s.since)}`),
    h('div', { class: 'wc-order' }, `Order ${order?.external_id ?? (s.order || '–')} · product ${product}`),
    order?.progress && !order.progress.error
      ? h('div', { class: 'order-progress', 'data-order-progress': order.progress.percent.toFixed(1) },
          h('span', { class: 'qty-bar' }, h('i', { class: 'q-good', style: `width:${Math.min(100, order.progress.percent).toFixed(1)}%` })),
          h('small', {}, `${num(order.progress.good)} of ${num(order.quantity)} ${order.unit} · ${order.progress.percent.toFixed(0)} %`))
      : '',
    h('div', { class: 'kv' },
      h('span', {}, 'OEE ', h('b', { 'data-oee': wc }, pct(oee))),
      h('span', {}, 'Good ', h('b', {}, num(good))),
      h('span', {}, 'Scrap ', h('b', {}, num(scrap))),
      speedTag ? h('span', {}, 'Speed ', h('b', { 'data-live': speedTag.path }, num(speed)), ` ${speedTag.unit}`) : null),
  );
}
