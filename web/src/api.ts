// Talking to gantry's HTTP API: JSON fetches that carry the session cookie and, on state-changing
// calls, the X-CSRF-Token the session gave. Errors come back as ApiError with the HTTP status, so
// pages can say "not available yet" on 404/503 and ask for a login on 401.
//   const tags = await getJson<TagList>('/api/v1/tags');

export class ApiError extends Error {
  constructor(
    public status: number,
    public title: string,
    public detail: string,
  ) {
    super(`${status} ${title}: ${detail}`);
  }
  /** The route is not there (yet) or its part of gantry is not running. */
  get unavailable(): boolean {
    return this.status === 404 || this.status === 503 || this.status === 501;
  }
}

export interface Session {
  user: string;
  role: string;
  csrf: string;
}

let csrf = '';
let onUnauthorized: () => void = () => {};

export function setCsrf(token: string): void {
  csrf = token;
}
/** Called whenever a request answers 401 (the session expired or was never there). */
export function setUnauthorizedHandler(handler: () => void): void {
  onUnauthorized = handler;
}

async function request(method: string, url: string, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && method !== 'HEAD' && csrf) headers['X-CSRF-Token'] = csrf;
  const response = await fetch(url, {
    method,
    headers,
    credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) {
    let title = response.statusText;
    let detail = '';
    try {
      const problem = await response.json();
      title = problem.title ?? title;
      detail = problem.detail ?? '';
    } catch {
      /* not a problem document */
    }
    if (response.status === 401 && !url.endsWith('/api/v1/session')) onUnauthorized();
    throw new ApiError(response.status, title, detail);
  }
  return response;
}

export async function getJson<T>(url: string): Promise<T> {
  return (await request('GET', url)).json() as Promise<T>;
}

export async function sendJson<T>(method: 'POST' | 'PUT' | 'DELETE', url: string, body?: unknown): Promise<T> {
  const response = await request(method, url, body);
  const text = await response.text();
  return (text ? JSON.parse(text) : {}) as T;
}

/** The current session; null when not logged in; 'none' when this gantry has no login yet (404). */
export async function currentSession(): Promise<Session | null | 'none'> {
  try {
    return await getJson<Session>('/api/v1/session');
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return null;
    if (e instanceof ApiError && e.unavailable) return 'none';
    throw e;
  }
}

export async function login(user: string, password: string): Promise<Session> {
  return sendJson<Session>('POST', '/api/v1/session', { user, password });
}

export async function logout(): Promise<void> {
  try {
    await sendJson('DELETE', '/api/v1/session');
  } finally {
    csrf = '';
  }
}

// ---- shapes of the answers (docs/api.md) ----

export interface Tag {
  path: string;
  type: string;
  unit: string;
  description: string;
  value: number | boolean | string | null;
  quality: string;
  time: string | null;
}

export interface EquipmentState {
  work_centre: string;
  time: string;
  category: string;
  condition: string;
  reason: string;
  since: string;
  stop_start: string;
  shift: string;
  /** Planned bounds of the calendar shift containing `time` (ISO 8601 UTC); null off shift. */
  shift_start?: string | null;
  shift_end?: string | null;
  order: string;
  product: string;
  operator: string;
}

export interface OeeGroup {
  calendar_time_s: number;
  planned_busy_time_s: number;
  actual_production_time_s: number;
  planned_run_time_s: number;
  produced_quantity: number;
  good_quantity: number;
  scrap_quantity: number;
  availability: number | null;
  effectiveness: number | null;
  quality_ratio: number | null;
  oee: number | null;
  [key: string]: number | null;
}

export interface Oee {
  scope: string;
  from: string;
  to: string;
  by: string;
  work_centres: string[];
  groups: Record<string, OeeGroup>;
}

export interface DowntimeInterval {
  work_centre: string;
  start: string;
  end: string;
  duration_s: number;
  category: string;
  reason: string;
  stop_start: string;
  assignable: boolean;
  shift: string;
  order: string;
}

export interface Downtime {
  scope: string;
  from: string;
  to: string;
  intervals: DowntimeInterval[];
  pareto: { reason: string; category: string; duration_s: number; stops: number }[];
}

export const enc = (path: string): string => path.split('/').map(encodeURIComponent).join('/');
