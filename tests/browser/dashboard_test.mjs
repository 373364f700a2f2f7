// Browser test of the web dashboard: starts `gantry demo` on free ports with a fresh data folder
// (a copy of the demo plant whose fault codes have no reason, so that faults are unassigned
// stops, at 120x simulated time), drives Debian's Chromium headless with playwright-core at a
// tablet's 1280x800, logs in (when this gantry has a login), watches a live value change,
// assigns a reason to an unassigned stop in two taps and sees the Pareto update, takes a
// screenshot of every page, logs out. Bounded: fails after 90 s.
//   node tests/browser/dashboard_test.mjs --gantry build/web/src/gantry [--shots build/browser-screenshots]
//     [--web-root web/dist] [--plant config/demo-plant.yaml] [--chromium /usr/bin/chromium]
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(path.join(repo, 'web/package.json'));
const { chromium } = require('playwright-core');

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const gantryExe = path.resolve(repo, opt('--gantry', process.env.GANTRY_EXE ?? 'build/release/src/gantry'));
const shots = path.resolve(repo, opt('--shots', 'build/browser-screenshots'));
const webRoot = path.resolve(repo, opt('--web-root', 'web/dist'));
const chromiumPath = opt('--chromium', process.env.CHROMIUM ?? '/usr/bin/chromium');
const plantYaml = path.resolve(repo, opt('--plant', 'config/demo-plant.yaml')); // the demo plant to start from
const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
const log = (...a) => console.log(`[${elapsed()}]`, ...a);

let demo = null;
let browser = null;
const data = fs.mkdtempSync(path.join(os.tmpdir(), 'gantry-browser-'));
const overall = setTimeout(() => fail('took more than 90 s'), 90_000);

async function cleanup() {
  clearTimeout(overall);
  if (browser) await browser.close().catch(() => {});
  log('browser closed');
  if (demo && demo.exitCode === null) {
    demo.kill('SIGTERM');
    await new Promise((r) => { demo.once('exit', r); setTimeout(r, 5000).unref(); });
    if (demo.exitCode === null) demo.kill('SIGKILL');
  }
  log('gantry stopped');
  fs.rmSync(data, { recursive: true, force: true });
}

async function fail(why) {
  console.error(`FAIL after ${elapsed()}: ${why}`);
  if (demo) console.error('--- gantry output (last 40 lines) ---\n' + output.split('\n').slice(-40).join('\n'));
  await cleanup();
  process.exit(1);
}

function check(cond, why) {
  if (!cond) throw new Error(why);
}

// The demo plant with its fault-code map moved out of reach (every fault is an unassigned stop)
// and a short micro-stop threshold (faults at 120x last seconds).
function testConfig() {
  let yaml = fs.readFileSync(plantYaml, 'utf8');
  yaml = yaml.replace(/reasons: \{[^}]*\}/s, (m) => m.replace(/\b(\d{3}):/g, '9$1:'));
  yaml = yaml.replace(/micro_stop_threshold: \S+/, 'micro_stop_threshold: 1s');
  // The line stops for breaks, cleaning and changeovers at fixed local times; put the site in a
  // whole-hour zone where it is now 07:MM, hours from any planned stop even at 120x, so that the
  // test does not depend on the time of day it runs at.
  let offset = 7 - new Date().getUTCHours();
  if (offset < -12) offset += 24;
  if (offset > 14) offset -= 24;
  const zone = offset === 0 ? 'Etc/UTC' : offset > 0 ? `Etc/GMT-${offset}` : `Etc/GMT+${-offset}`;
  yaml = yaml.replace(/timezone: Europe\/Berlin/, `timezone: ${zone}`);
  const file = path.join(data, 'plant.yaml');
  fs.writeFileSync(file, yaml);
  return file;
}

let output = '';
function startDemo() {
  const config = testConfig();
  demo = spawn(gantryExe, ['demo', '--port', '0', '--sim-port', '0', '--time-scale', '120',
    '--data', path.join(data, 'data'), '--config', config],
  { env: { ...process.env, GANTRY_WEB_ROOT: webRoot }, stdio: ['ignore', 'pipe', 'pipe'] });
  demo.stdout.on('data', (d) => (output += d));
  demo.stderr.on('data', (d) => (output += d));
  return new Promise((resolve, reject) => {
    const t = setInterval(() => {
      const m = output.match(/Gantry is running: (http:\/\/127\.0\.0\.1:\d+)\//);
      if (m) { clearInterval(t); resolve(m[1]); }
      if (demo.exitCode !== null) { clearInterval(t); reject(new Error(`gantry demo exited with ${demo.exitCode}`)); }
    }, 100);
    setTimeout(() => { clearInterval(t); reject(new Error('gantry demo did not start in 30 s')); }, 30_000).unref();
  });
}

// Credentials of the demo's admin: <data>/demo-credentials.json, else what the demo printed.
function credentials() {
  const file = path.join(data, 'data', 'demo-credentials.json');
  if (fs.existsSync(file)) {
    const c = JSON.parse(fs.readFileSync(file, 'utf8'));
    const user = c.user ?? c.admin?.user ?? c.username ?? 'admin';
    const password = c.password ?? c.admin?.password;
    if (password) return { user, password };
  }
  const m = output.match(/user\W+(\w+)\W+password\W+(\S+)/i) ?? output.match(/(admin)\W+password\W*[:=]\s*(\S+)/i);
  return m ? { user: m[1], password: m[2] } : null;
}

async function shot(page, name) {
  await page.waitForTimeout(300);
  await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: false });
  log(`screenshot ${name}.png`);
}

async function main() {
  check(fs.existsSync(gantryExe), `no gantry at ${gantryExe}`);
  check(fs.existsSync(path.join(webRoot, 'index.html')), `no built dashboard at ${webRoot} (npm run build in web/)`);
  check(fs.existsSync(chromiumPath), `no Chromium at ${chromiumPath} (scripts/deps.sh --test installs it)`);
  fs.mkdirSync(shots, { recursive: true });
  for (const f of fs.readdirSync(shots)) if (f.endsWith('.png')) fs.rmSync(path.join(shots, f));

  const base = await startDemo();
  log(`gantry demo at ${base}`);
  browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, hasTouch: true });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const consoleErrors = [];
  page.on('pageerror', (e) => consoleErrors.push(String(e)));

  // 1. The dashboard is served by gantry; log in when it asks.
  await page.goto(base + '/');
  await page.waitForSelector('form.login, main[data-ready]');
  let loggedIn = false;
  if (await page.locator('form.login').count()) {
    const c = credentials();
    check(c, 'the demo printed no credentials and wrote no demo-credentials.json');
    await shot(page, '0-login');
    await page.fill('input[name=user]', c.user);
    await page.fill('input[name=password]', c.password);
    await page.click('form.login button[type=submit]');
    loggedIn = true;
    log(`logged in as ${c.user}`);
  } else {
    log('this gantry has no login yet (GET /api/v1/session answered 404): testing without');
  }
  await page.waitForSelector('main[data-page=overview][data-ready] .card.wc[data-category]');

  // 2. A live value changes on the overview (the filler's speed, over SSE).
  await page.waitForSelector('[data-live-status=up]');
  const speed = page.locator('[data-live$="/filler/speed"]').first();
  const first = await speed.textContent();
  await page.waitForFunction(([sel, before]) => document.querySelector(sel)?.textContent !== before,
    ['[data-live$="/filler/speed"]', first], { timeout: 15_000 });
  log(`live value changed: filler speed ${first} -> ${await speed.textContent()}`);
  check(await page.locator('.card.wc').count() === 4, 'the overview shows 4 work centres');
  await shot(page, '1-overview');

  // 3. An unassigned stop: wait for one on some work centre (faults at 120x), then two taps.
  let wc = null;
  let stop = null;
  const deadline = Date.now() + 45_000;
  while (!stop && Date.now() < deadline) {
    const found = await page.evaluate(async () => {
      const tags = (await (await fetch('/api/v1/tags')).json()).tags;
      const wcs = [...new Set(tags.filter((t) => t.path.endsWith('/state')).map((t) => t.path.slice(0, t.path.lastIndexOf('/'))))];
      for (const w of wcs) {
        const r = await fetch(`/api/v1/downtime?scope=${encodeURIComponent(w)}`);
        if (!r.ok) continue;
        const d = await r.json();
        // A stop that has ended (so the rows do not change under the finger) and is assignable.
        const s = d.intervals.find((i) => i.assignable && Date.parse(i.end) < Date.parse(d.to) - 1000);
        if (s) return { wc: w, stop: s.stop_start };
      }
      return null;
    });
    if (found) ({ wc, stop } = found);
    else await page.waitForTimeout(1000);
  }
  check(stop, 'no unassigned stop appeared within 45 s');
  log(`unassigned stop on ${wc} at ${stop}`);
  await page.click(`.card.wc[data-wc="${wc}"]`);
  await page.waitForSelector(`main[data-page=wc][data-ready] [data-pareto] .pareto-row`);
  const unassignedBefore = Number(await page.locator('.pareto-row[data-reason=unassigned]').getAttribute('data-duration').catch(() => '0'));
  await page.waitForSelector(`button[data-stop="${stop}"]`);
  // The state timeline covers the shift: its range starts at the shift's planned start as the
  // equipment state gives it (the site's calendar; the test zone puts now in the early shift).
  let range = null;
  for (let i = 0; i < 5 && !(range && range.ok); ++i) {
    if (i) await page.waitForTimeout(1000); // a refresh may be under way across a shift change
    range = await page.evaluate(async (w) => {
      const st = await (await fetch(`/api/v1/equipment/${w.split('/').map(encodeURIComponent).join('/')}/state`)).json();
      const from = document.querySelector('[data-timeline]')?.dataset.from ?? null;
      return { from, shift_start: st.shift_start, ok: !!st.shift_start && !!from && Date.parse(from) === Date.parse(st.shift_start) };
    }, wc);
  }
  check(range.ok, `the timeline starts at the shift start (${JSON.stringify(range)})`);
  log(`timeline from ${range.from} = shift start`);
  await shot(page, '2-work-centre');
  await page.tap(`button[data-stop="${stop}"]`); // tap 1: the stop
  await page.waitForSelector('button[data-reason=motor_overload]');
  const box = await page.locator('button[data-reason=motor_overload]').boundingBox();
  check(box && box.height >= 44 && box.width >= 44, `reason button is a touch target (${JSON.stringify(box)})`);
  await shot(page, '3-assign-reason');
  await page.tap('button[data-reason=motor_overload]'); // tap 2: the reason
  await page.waitForSelector('.pareto-row[data-reason=motor_overload]', { timeout: 10_000 });
  await page.waitForSelector(`button[data-stop="${stop}"]`, { state: 'detached', timeout: 10_000 });
  const unassignedAfter = Number(await page.locator('.pareto-row[data-reason=unassigned]').getAttribute('data-duration', { timeout: 1000 }).catch(() => '0'));
  log(`Pareto: motor_overload appeared; unassigned ${unassignedBefore.toFixed(1)} s -> ${unassignedAfter.toFixed(1)} s`);
  await shot(page, '4-pareto-updated');

  // 4. The other pages render (each says "not available yet" when its route is missing).
  for (const [name, hash, sel] of [
    ['5-trends', '#/trends', '.chart .uplot'],
    ['6-orders', '#/orders', 'main[data-page=orders][data-ready]'],
    ['7-energy', '#/energy', 'main[data-page=energy][data-ready]'],
    ['8-audit', '#/audit', 'main[data-page=audit][data-ready]'],
  ]) {
    await page.goto(base + '/' + hash);
    await page.waitForSelector(sel);
    if (name === '5-trends') await page.waitForFunction(() => Number(document.querySelector('[data-chart]')?.dataset.points ?? 0) > 0);
    await shot(page, name);
    if (name === '5-trends') {
      // Zoom: drag across the last part of the chart; the window is fetched again, finer.
      const over = await page.locator('.chart .u-over').boundingBox();
      const y = over.y + over.height / 2;
      await page.mouse.move(over.x + over.width * 0.8, y);
      await page.mouse.down();
      await page.mouse.move(over.x + over.width * 0.99, y, { steps: 8 });
      await page.mouse.up();
      await page.waitForSelector('button.chip.on:has-text("Zoomed")');
      await page.waitForFunction(() => Number(document.querySelector('[data-trend-status]')?.textContent.match(/of (\d+) ms/)?.[1] ?? 1e9) < 3000);
      log(`zoomed: ${await page.locator('[data-trend-status]').textContent()}`);
      await shot(page, '5-trends-zoomed');
    }
  }

  // 5. Log out: the login form comes back and the API refuses the old cookie.
  if (loggedIn) {
    await page.click('header button.logout');
    await page.waitForSelector('form.login');
    const status = await page.evaluate(async () => (await fetch('/api/v1/tags')).status);
    check(status === 401, `after logout /api/v1/tags answers 401 (got ${status})`);
    log('logged out');
  }
  check(consoleErrors.length === 0, `page errors: ${consoleErrors.join('; ')}`);
  log(`PASS; screenshots in ${shots}`);
}

main().then(async () => { await cleanup(); process.exit(0); }, (e) => fail(e.stack ?? String(e)));
