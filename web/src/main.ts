// Gantry's dashboard: a header with the pages, a hash router (#/overview, #/wc/<path>,
// #/trends, #/orders, #/energy, #/audit), the login when the API asks for one, and one SSE
// stream for live values shared by the pages.
import './style.css';
import { setUnauthorizedHandler } from './api';
import { live } from './live';
import { loadPlant } from './plant';
import { auditPage } from './pages/audit';
import { energyPage } from './pages/energy';
import { ordersPage } from './pages/orders';
import { overviewPage } from './pages/overview';
import { trendsPage } from './pages/trends';
import { workCentrePage } from './pages/workcentre';
import { checkSession, loginForm, session, signOut } from './session';
import { h } from './ui';

const app = document.getElementById('app')!;
const pages: [string, string][] = [['overview', 'Overview'], ['trends', 'Trends'], ['orders', 'Orders'], ['energy', 'Energy'], ['audit', 'Audit']];
let leave: () => void = () => {};
let offHeader: () => void = () => {};
let generation = 0;

async function show(): Promise<void> {
  const gen = ++generation;
  leave();
  leave = () => {};
  const route = location.hash.replace(/^#\/?/, '') || 'overview';
  const [name, ...rest] = route.split('/');
  const arg = decodeURIComponent(rest.join('/'));
  const main = h('main', { 'data-page': name });
  app.replaceChildren(header(name), main);
  try {
    const cleanup =
      name === 'wc' ? await workCentrePage(main, arg)
      : name === 'trends' ? await trendsPage(main, arg || null)
      : name === 'orders' ? await ordersPage(main)
      : name === 'energy' ? await energyPage(main)
      : name === 'audit' ? await auditPage(main)
      : await overviewPage(main);
    if (gen !== generation) cleanup();
    else leave = cleanup;
  } catch (e) {
    main.append(h('div', { class: 'notice error' }, `This page could not load: ${String(e)}`));
  }
  main.dataset.ready = '1';
}

function header(current: string): HTMLElement {
  const dot = h('span', { class: 'live-dot' + (live.up ? ' up' : ''), title: 'live stream', 'data-live-status': live.up ? 'up' : 'down' });
  offHeader();
  offHeader = live.onStatus((up) => { dot.className = 'live-dot' + (up ? ' up' : ''); dot.dataset.liveStatus = up ? 'up' : 'down'; });
  return h('header', {},
    h('a', { class: 'brand', href: '#/overview' }, 'Gantry'),
    h('nav', {}, ...pages.filter(([p]) => p !== 'audit' || !session.role || session.role === 'admin')
      .map(([p, label]) => h('a', { href: `#/${p}`, class: p === current || (current === 'wc' && p === 'overview') ? 'on' : '' }, label))),
    h('span', { class: 'who' }, dot,
      session.mode === 'in' ? `${session.user} (${session.role})` : session.mode === 'none' ? 'no login on this gantry' : '',
      session.mode === 'in' ? h('button', { class: 'logout', onclick: async () => { await signOut(); live.stop(); await start(); } }, 'Log out') : null));
}

async function start(): Promise<void> {
  try {
    await checkSession();
  } catch (e) {
    app.replaceChildren(h('div', { class: 'notice error' }, `Gantry does not answer: ${String(e)}`));
    setTimeout(start, 3000);
    return;
  }
  if (session.mode === 'out') {
    await loginForm(app);
  }
  const plant = await loadPlant().catch(() => null);
  live.start(plant?.root ?? '');
  await show();
}

setUnauthorizedHandler(() => {
  if (session.mode === 'in' || session.mode === 'unknown') {
    session.mode = 'out';
    live.stop();
    void start();
  }
});
window.addEventListener('hashchange', () => void show());
void start();
