// What the plant looks like to the dashboard: every tag, and the work centres (folders whose
// /api/v1/equipment/{path}/state answers) grouped by line. Loaded once per page load.
import { ApiError, EquipmentState, Tag, enc, getJson } from './api';
import { parent } from './ui';

export interface Plant {
  tags: Tag[];
  workCentres: string[]; // sorted by path
  lines: Map<string, string[]>; // line path -> its work centres
  root: string; // common prefix of every tag (the enterprise), for the SSE stream
  operations: boolean; // false when the operations routes answer 503
}

let cached: Promise<Plant> | null = null;

export function loadPlant(): Promise<Plant> {
  if (!cached) cached = discover().catch((e) => ((cached = null), Promise.reject(e)));
  return cached;
}

async function discover(): Promise<Plant> {
  const { tags } = await getJson<{ tags: Tag[] }>('/api/v1/tags');
  const candidates = [...new Set(tags.filter((t) => t.path.endsWith('/state')).map((t) => parent(t.path)))].sort();
  let operations = true;
  const workCentres: string[] = [];
  await Promise.all(
    candidates.map(async (wc) => {
      try {
        await getJson<EquipmentState>(`/api/v1/equipment/${enc(wc)}/state`);
        workCentres.push(wc);
      } catch (e) {
        if (e instanceof ApiError && e.status === 503) operations = false;
      }
    }),
  );
  workCentres.sort();
  const lines = new Map<string, string[]>();
  for (const wc of workCentres) {
    const line = parent(wc);
    lines.set(line, [...(lines.get(line) ?? []), wc]);
  }
  const root = tags.length ? tags[0].path.split('/')[0] : '';
  return { tags, workCentres, lines, root, operations };
}

/** The OEE group of the shift the work centre is in now (groups are keyed by shift id). */
export function currentShiftGroup<T>(groups: Record<string, T>, shift: string): T | undefined {
  if (shift && groups[shift]) return groups[shift];
  const keys = Object.keys(groups).sort();
  return keys.length ? groups[keys[keys.length - 1]] : undefined;
}
