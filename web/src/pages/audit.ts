// Audit (admin): the newest records of the hash-chained audit trail from /api/v1/audit.
import { ApiError, getJson } from '../api';
import { session } from '../session';
import { mainList, table } from '../table';
import { h, unavailable } from '../ui';

export async function auditPage(root: HTMLElement): Promise<() => void> {
  root.append(h('h1', {}, 'Audit trail'));
  if (session.role && session.role !== 'admin') {
    root.append(h('div', { class: 'notice' }, 'The audit trail is for administrators only.'));
    return () => {};
  }
  try {
    const answer = await getJson<unknown>('/api/v1/audit');
    const rows = mainList(answer);
    root.append(rows.length ? table(rows, ['seq', 'time', 'who', 'role', 'remote', 'action', 'target', 'outcome', 'detail']) : h('p', { class: 'muted' }, 'No audit records.'));
  } catch (e) {
    if (e instanceof ApiError && e.status === 403) root.append(h('div', { class: 'notice' }, 'The audit trail is for administrators only.'));
    else root.append(unavailable('Audit trail', e instanceof ApiError ? `${e.status} ${e.title}` : String(e)));
  }
  return () => {};
}
