// Orders: every production order with its progress (good against the ordered quantity) and the
// delivery status of its actuals to the ERP, from /api/v1/orders (the enterprise part).
import { ApiError, getJson } from '../api';
import { mainList, table } from '../table';
import { h, num, unavailable } from '../ui';

type Row = Record<string, unknown>;
const pick = (r: Row, ...keys: string[]) => keys.map((k) => r[k]).find((v) => v !== undefined && v !== null);

export async function ordersPage(root: HTMLElement): Promise<() => void> {
  root.append(h('h1', {}, 'Orders'));
  const box = h('div');
  root.append(box);
  const refresh = async () => {
    let answer: unknown;
    try {
      answer = await getJson<unknown>('/api/v1/orders');
    } catch (e) {
      box.replaceChildren(unavailable('Orders', e instanceof ApiError ? `${e.status} ${e.title}` : String(e)));
      return;
    }
    const rows = mainList(answer);
    if (!rows.length) {
      box.replaceChildren(h('p', { class: 'muted' }, 'No production orders.'));
      return;
    }
    const cards = rows.slice(0, 24).map((r) => {
      const o = (r.order as Row | undefined) ?? r;
      const id = String(pick(o, 'id', 'order_id', 'number') ?? pick(r, 'id') ?? '?');
      const qty = Number(pick(o, 'quantity', 'planned_quantity', 'qty') ?? NaN);
      const good = Number(pick(r, 'good_quantity', 'good', 'produced_quantity') ?? pick(o, 'good_quantity') ?? NaN);
      const progress = Number.isFinite(qty) && qty > 0 && Number.isFinite(good) ? Math.min(1, good / qty) : null;
      return h('div', { class: 'card order', 'data-order': id },
        h('div', { class: 'wc-head' }, h('b', {}, id), h('span', { class: 'badge' }, String(pick(r, 'state', 'status') ?? pick(o, 'state', 'status') ?? ''))),
        h('div', {}, `${String(pick(o, 'product', 'material') ?? '')} on ${String(pick(o, 'work_centre', 'line') ?? '–')}`),
        h('div', { class: 'qty-bar' }, h('i', { class: 'q-good', style: `width:${((progress ?? 0) * 100).toFixed(1)}%` })),
        h('div', {}, `${num(Number.isFinite(good) ? good : null)} of ${num(Number.isFinite(qty) ? qty : null)}`,
          ' · actuals ', h('b', {}, String(pick(r, 'actuals_status', 'delivery', 'outbox_status', 'actuals') ?? '–'))));
    });
    box.replaceChildren(h('div', { class: 'grid' }, ...cards), h('h2', {}, 'All fields'), table(rows, ['id', 'state', 'product', 'quantity']));
  };
  await refresh();
  const timer = window.setInterval(refresh, 10000);
  return () => clearInterval(timer);
}
