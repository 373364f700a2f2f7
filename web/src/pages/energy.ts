// Energy and cost per unit: the cost route's answer (/api/v1/cost, the energy part) per work
// centre of each line, and the live energy meters of every work centre from the tag stream.
import { ApiError, getJson } from '../api';
import { live } from '../live';
import { loadPlant } from '../plant';
import { plantNow } from '../plantclock';
import { h, leaf, num, unavailable } from '../ui';

interface CostGroup {
  energy_kwh: Record<string, number>;
  energy_cost: number;
  material_cost: number;
  machine_cost: number;
  labour_cost: number;
  total_cost: number;
  good_quantity: number;
  scrap_quantity: number;
  cost_per_good_unit: number | null;
  kwh_per_good_unit: number | null;
}
interface CostAnswer {
  currency: string;
  total: CostGroup;
  groups: Record<string, CostGroup>;
}

function costTable(a: CostAnswer): HTMLElement {
  const money = (x: number | null | undefined, digits = 2) => (x === null || x === undefined ? '–' : `${x.toFixed(digits)} ${a.currency}`);
  const row = (name: string, g: CostGroup, cls = '') =>
    h('tr', { class: cls, 'data-cost': name },
      h('td', {}, name), h('td', {}, num(g.energy_kwh?.total ?? null, 3)), h('td', {}, num(g.energy_kwh?.producing ?? null, 3)),
      h('td', {}, money(g.energy_cost)), h('td', {}, money(g.total_cost)), h('td', {}, num(g.good_quantity)),
      h('td', {}, g.kwh_per_good_unit === null ? '–' : `${(g.kwh_per_good_unit * 1000).toFixed(2)} Wh`),
      h('td', {}, h('b', {}, money(g.cost_per_good_unit, 4))));
  return h('div', { class: 'table-wrap' }, h('table', {},
    h('thead', {}, h('tr', {}, ...['work centre', 'energy kWh', 'of it producing', 'energy cost', 'total cost', 'good', 'energy / good unit', 'cost / good unit'].map((c) => h('th', {}, c)))),
    h('tbody', {}, ...Object.entries(a.groups).map(([k, g]) => row(leaf(k), g)), row('total', a.total, 'total'))));
}

export async function energyPage(root: HTMLElement): Promise<() => void> {
  const plant = await loadPlant();
  root.append(h('h1', {}, 'Energy and cost per unit'));
  const cost = h('div');
  root.append(h('h2', {}, 'Cost per good unit'), cost);
  const meters = plant.tags.filter((t) => /energy/.test(t.path) && (t.type === 'double' || t.type === 'int64'));
  const meterGrid = h('div', { class: 'grid' }, ...meters.map((t) =>
    h('div', { class: 'card' }, h('b', {}, t.path.split('/').slice(-2).join('/')),
      h('div', { class: 'big-number' }, h('span', { 'data-live': t.path }, num(live.values.get(t.path)?.value ?? t.value, 3)), ` ${t.unit}`))));
  root.append(h('h2', {}, 'Energy meters (live)'), meters.length ? meterGrid : h('p', { class: 'muted' }, 'No energy meter tags.'));
  const off = live.on((v) => {
    const el = meterGrid.querySelector<HTMLElement>(`[data-live="${v.path}"]`);
    if (el) el.textContent = num(v.value, 3);
  });
  const refresh = async () => {
    const parts: HTMLElement[] = [];
    for (const line of plant.lines.keys()) {
      try {
        const from = new Date((await plantNow()) - 8 * 3600e3).toISOString();
        const answer = await getJson<CostAnswer>(`/api/v1/cost?scope=${encodeURIComponent(line)}&by=work_centre&from=${from}`);
        parts.push(h('h3', {}, `${line} · last 8 h`), costTable(answer));
      } catch (e) {
        parts.push(unavailable('Cost per unit', e instanceof ApiError ? `${e.status} ${e.title}` : String(e)));
        break;
      }
    }
    cost.replaceChildren(...parts);
  };
  await refresh();
  const timer = window.setInterval(refresh, 15000);
  return () => { clearInterval(timer); off(); };
}
