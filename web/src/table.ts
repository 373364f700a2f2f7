// A table from whatever list a route answers (orders, costs, audit records): the first array in
// the answer, one column per scalar field (nested objects one level deep as "a.b"), so the page
// keeps working while those routes' shapes settle.
import { h, num } from './ui';

type Row = Record<string, unknown>;

/** The answer's main list: itself when it is an array, else its first array-valued field. */
export function mainList(answer: unknown): Row[] {
  if (Array.isArray(answer)) return answer as Row[];
  if (answer && typeof answer === 'object')
    for (const v of Object.values(answer as Row)) if (Array.isArray(v)) return v as Row[];
  return [];
}

function flatten(row: Row): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      for (const [k2, v2] of Object.entries(v as Row)) if (typeof v2 !== 'object' || v2 === null) out[`${k}.${k2}`] = v2;
    } else if (!Array.isArray(v)) out[k] = v;
  }
  return out;
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return '–';
  if (typeof v === 'number') return num(v, 3);
  return String(v);
}

export function table(rows: Row[], prefer: string[] = [], limit = 200): HTMLElement {
  const flat = rows.slice(0, limit).map(flatten);
  const cols = [...new Set(flat.flatMap((r) => Object.keys(r)))];
  cols.sort((a, b) => {
    const ia = prefer.indexOf(a), ib = prefer.indexOf(b);
    return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib);
  });
  return h('div', { class: 'table-wrap' }, h('table', {},
    h('thead', {}, h('tr', {}, ...cols.map((c) => h('th', {}, c)))),
    h('tbody', {}, ...flat.map((r) => h('tr', {}, ...cols.map((c) => h('td', {}, cell(r[c]))))))));
}
