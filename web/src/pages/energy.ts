// Energy and cost per unit: the cost route's answer (/api/v1/cost, the energy part) per work
// centre of each line, and the live energy meters of every work centre from the tag stream.
import { ApiError, getJson } from '../api';
import { live } from '../live';
import { loadPlant } from '../plant';
import { mainList, table } from '../table';
import { h, num, unavailable } from '../ui';

export async function energyPage(root: HTMLElement): Promise<() => void> {
  const plant = await loadPlant();
  root.append(h('h1', {}, 'Energy and cost per unit'));
  const cost = h('div');
  root.append(h('h2', {}, 'Cost per good unit (this shift)'), cost);
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
        const answer = await getJson<unknown>(`/api/v1/cost?scope=${encodeURIComponent(line)}&by=work_centre`);
        const rows = mainList(answer);
        parts.push(h('h3', {}, line), rows.length ? table(rows, ['key', 'work_centre', 'good_quantity', 'energy_kwh', 'energy_cost', 'cost_per_unit']) : h('pre', {}, JSON.stringify(answer, null, 1).slice(0, 2000)));
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
