// Orders: every production order (/api/v1/orders, the enterprise part) with its state, its
// progress (good of ordered quantity, from /api/v1/orders/{key} for started orders) and the
// delivery status of its actuals to the ERP (the newest outbox message per order).
import { ApiError, enc, getJson } from '../api';
import { clock, h, leaf, num, unavailable } from '../ui';

export interface Order {
  key: string;
  external_id: string;
  product: string;
  quantity: number;
  unit: string;
  state: string;
  work_centre?: string;
  due?: string;
  flag: string;
  paused: boolean;
  progress?: { good: number; scrap: number; percent: number; final: boolean; error?: string };
}

interface OutboxMessage {
  order_key: string;
  kind: string;
  state: string;
  attempts: number;
  enqueued_at: string;
  delivered_at: string;
  last_error: string;
}

/** One order with its progress (null when the order or route is missing). */
export async function orderWithProgress(key: string): Promise<Order | null> {
  try {
    return await getJson<Order>(`/api/v1/orders/${enc(key)}`);
  } catch {
    return null;
  }
}

export async function ordersPage(root: HTMLElement): Promise<() => void> {
  root.append(h('h1', {}, 'Orders'));
  const box = h('div');
  root.append(box);
  const refresh = async () => {
    let orders: Order[];
    try {
      orders = await getJson<Order[]>('/api/v1/orders');
    } catch (e) {
      box.replaceChildren(unavailable('Orders', e instanceof ApiError ? `${e.status} ${e.title}` : String(e)));
      return;
    }
    if (!orders.length) {
      box.replaceChildren(h('p', { class: 'muted' }, 'No production orders.'));
      return;
    }
    const delivery = new Map<string, OutboxMessage>();
    try {
      for (const m of await getJson<OutboxMessage[]>('/api/v1/outbox')) {
        const seen = delivery.get(m.order_key);
        if (!seen || m.enqueued_at > seen.enqueued_at) delivery.set(m.order_key, m);
      }
    } catch {
      /* no outbox (or not allowed): delivery shown as unknown */
    }
    const started = (o: Order) => !['draft', 'released', 'cancelled'].includes(o.state);
    const detailed = await Promise.all(orders.map(async (o) => (started(o) ? (await orderWithProgress(o.key)) ?? o : o)));
    const order = ['running', 'paused', 'released', 'draft', 'completed', 'cancelled'];
    detailed.sort((a, b) => order.indexOf(a.state) - order.indexOf(b.state) || a.key.localeCompare(b.key));
    box.replaceChildren(h('div', { class: 'grid' }, ...detailed.map((o) => {
      const p = o.progress && !o.progress.error ? o.progress : null;
      const pct = p ? Math.min(100, p.percent) : o.state === 'completed' ? 100 : 0;
      const m = delivery.get(o.key);
      const actuals = m ? `${m.state}${m.state === 'delivered' && m.delivered_at ? ` ${clock(m.delivered_at)}` : ''}${m.last_error ? ` (${m.last_error})` : ''}`
        : o.state === 'completed' ? 'not queued' : '–';
      return h('div', { class: `card order state-${o.state}`, 'data-order': o.key },
        h('div', { class: 'wc-head' }, h('b', {}, o.external_id || o.key), h('span', { class: `badge ord-${o.state}` }, o.paused ? 'paused' : o.state)),
        h('div', { class: 'muted' }, `${o.product} · ${o.work_centre ? leaf(o.work_centre) : 'no work centre'}${o.due ? ` · due ${new Date(o.due).toLocaleString('en-GB')}` : ''}`),
        h('div', { class: 'qty-bar' }, h('i', { class: 'q-good', style: `width:${pct.toFixed(1)}%` })),
        h('div', { 'data-progress': pct.toFixed(1) }, `${num(p?.good ?? null)} good, ${num(p?.scrap ?? null)} scrap of ${num(o.quantity)} ${o.unit} · ${pct.toFixed(1)} %`),
        h('div', {}, 'Actuals to ERP: ', h('b', { 'data-actuals': m?.state ?? '' }, actuals)),
        o.flag ? h('div', { class: 'notice' }, o.flag) : null);
    })));
  };
  await refresh();
  const timer = window.setInterval(refresh, 10000);
  return () => clearInterval(timer);
}
