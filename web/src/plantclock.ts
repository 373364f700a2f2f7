// The plant's clock as gantry tells it (/health: now, time_scale), so that pages build their time
// ranges ("last 8 h", trend windows) on plant time, which is simulated time in a scaled demo
// (`gantry demo --time-scale 60`), rather than on the browser's clock.
//   const to = await plantNow(); const from = new Date(to - 8 * 3600e3).toISOString();
import { getJson } from './api';

interface Health {
  now?: string;
  time_scale?: number;
}

let anchor: { plant: number; wall: number; scale: number } | null = null;
const resyncMs = 10_000;

/** The plant's now in epoch ms: read from gantry (again every 10 s), run forward at its pace between. */
export async function plantNow(): Promise<number> {
  if (!anchor || Date.now() - anchor.wall > resyncMs) {
    try {
      const health = await getJson<Health>('/health');
      const plant = health.now ? Date.parse(health.now) : NaN;
      if (Number.isFinite(plant)) anchor = { plant, wall: Date.now(), scale: health.time_scale ?? 1 };
    } catch {
      /* keep the last reading; without any, the browser's clock below */
    }
  }
  return anchor ? anchor.plant + (Date.now() - anchor.wall) * anchor.scale : Date.now();
}
