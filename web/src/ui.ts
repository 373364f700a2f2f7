// Small DOM helpers and formatting shared by the pages (no framework: pages build their DOM with
// h() and update text in place when live values arrive).

type Child = Node | string | number | null | undefined | false;

/** h('div', {class: 'card'}, 'text', child) */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number | boolean | ((e: Event) => void) | undefined> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (typeof v === 'function') el.addEventListener(k.replace(/^on/, ''), v as EventListener);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

export function pct(x: number | null | undefined): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '–' : `${(x * 100).toFixed(1)} %`;
}

export function num(x: number | boolean | string | null | undefined, digits = 1): string {
  if (x === null || x === undefined) return '–';
  if (typeof x === 'number') return Number.isInteger(x) ? x.toLocaleString('en') : x.toFixed(digits);
  return String(x);
}

export function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '–';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

export function clock(iso: string | null | undefined): string {
  if (!iso) return '–';
  const d = new Date(iso);
  return d.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** The last path segment, for labels ("acme/plant1/.../filler" -> "filler"). */
export const leaf = (path: string): string => path.slice(path.lastIndexOf('/') + 1);
export const parent = (path: string): string => path.slice(0, Math.max(0, path.lastIndexOf('/')));

/** A notice in place of a page part whose route is missing or whose part of gantry is off. */
export function unavailable(what: string, detail = ''): HTMLElement {
  return h('div', { class: 'notice', 'data-unavailable': what }, `${what}: not available yet`, detail ? h('small', {}, ` (${detail})`) : null);
}

export const categoryLabel: Record<string, string> = {
  producing: 'Producing',
  idle: 'Idle',
  starved: 'Starved',
  blocked: 'Blocked',
  no_data: 'No data',
  not_scheduled: 'Not scheduled',
  planned_downtime: 'Planned stop',
  unplanned_downtime: 'Down',
  micro_stop: 'Micro-stop',
};
