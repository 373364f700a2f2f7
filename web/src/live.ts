// Live values over Server-Sent Events (/api/v1/stream): one EventSource for the whole page, the
// latest value of every tag kept here, and listeners told about each change. Reconnects by
// itself (EventSource does) and reports whether the stream is up.
//   live.start('acme'); const off = live.on(path => redraw(path));

export interface LiveValue {
  path: string;
  value: number | boolean | string | null;
  quality: string;
  time: string | null;
}

type Listener = (v: LiveValue) => void;

class LiveValues {
  private source: EventSource | null = null;
  private prefix = '';
  readonly values = new Map<string, LiveValue>();
  private listeners = new Set<Listener>();
  private statusListeners = new Set<(up: boolean) => void>();
  up = false;
  /** Events received since start (the browser test watches this move). */
  events = 0;

  start(prefix: string): void {
    if (this.source && this.prefix === prefix) return;
    this.stop();
    this.prefix = prefix;
    const url = '/api/v1/stream' + (prefix ? `?prefix=${encodeURIComponent(prefix)}` : '');
    const source = new EventSource(url, { withCredentials: true });
    this.source = source;
    source.addEventListener('value', (e) => {
      const v = JSON.parse((e as MessageEvent).data) as LiveValue;
      this.values.set(v.path, v);
      this.events++;
      for (const l of this.listeners) l(v);
    });
    source.addEventListener('ready', () => this.setUp(true));
    source.addEventListener('error', () => this.setUp(false));
  }

  stop(): void {
    this.source?.close();
    this.source = null;
    this.setUp(false);
  }

  /** Calls `listener` on every new value; returns the function that stops it. */
  on(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onStatus(listener: (up: boolean) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  private setUp(up: boolean): void {
    if (this.up === up) return;
    this.up = up;
    for (const l of this.statusListeners) l(up);
  }
}

export const live = new LiveValues();
