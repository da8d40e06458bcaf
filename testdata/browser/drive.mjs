// Drives headless Chromium (Debian's /usr/bin/chromium, never a browser of
// Playwright's own) through page.html: the chat flow on the first load, the
// history over REST after a reload.
//
//   node drive.mjs <page URL> [user-data dir]
//
// Prints one JSON line on stdout, {ok, chat, history, cookies, ...}, and exits
// 0 when both phases succeeded, 1 when one failed, 2 on the overall timeout
// (E2E_TIMEOUT_MS, default 60000). Everything else goes to stderr.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const [pageURL, userDataDirArg] = process.argv.slice(2);
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const TIMEOUT_MS = Number(process.env.E2E_TIMEOUT_MS) || 60000;
// The machine's network is closed: without the background-networking flags
// Chromium keeps trying (and failing) to reach Google's hosts.
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const started = Date.now();
const result = { ok: false };
let context;
let ownUserDataDir;

function remaining() {
  return Math.max(1000, TIMEOUT_MS - (Date.now() - started));
}

function cleanup() {
  if (ownUserDataDir) {
    try { rmSync(ownUserDataDir, { recursive: true, force: true }); } catch { /* best effort */ }
  }
}

function finish(code) {
  result.elapsed_ms = Date.now() - started;
  process.stdout.write(JSON.stringify(result) + '\n');
  cleanup();
  process.exit(code);
}

async function closeBrowser() {
  if (!context) return;
  const c = context;
  context = undefined;
  await Promise.race([c.close().catch(() => {}), new Promise((r) => setTimeout(r, 5000))]);
}

const hardStop = setTimeout(async () => {
  result.error = `timed out after ${TIMEOUT_MS} ms` + (result.step ? ` in step "${result.step}"` : '');
  await closeBrowser();
  finish(2);
}, TIMEOUT_MS);

// waitResult waits for the page to publish window.__result and returns it.
async function waitResult(page) {
  await page.waitForFunction(() => window.__result !== undefined, null, { timeout: remaining() });
  return page.evaluate(() => window.__result);
}

async function main() {
  if (!pageURL) throw new Error('usage: node drive.mjs <page URL> [user-data dir]');
  const backend = new URL(pageURL).searchParams.get('backend');
  const userDataDir = userDataDirArg || (ownUserDataDir = mkdtempSync(join(tmpdir(), 'amanda-e2e-chromium-')));

  result.step = 'launch';
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    timeout: remaining(),
  });
  const page = context.pages()[0] || (await context.newPage());
  page.on('console', (m) => console.error(`[console.${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => console.error(`[pageerror] ${e && e.stack || e}`));
  page.on('requestfailed', (r) => console.error(`[requestfailed] ${r.method()} ${r.url()}: ${r.failure() && r.failure().errorText}`));
  page.on('websocket', (ws) => console.error(`[websocket] ${ws.url()}`));
  result.user_agent = await page.evaluate(() => navigator.userAgent);

  result.step = 'chat';
  await page.goto(pageURL, { waitUntil: 'load', timeout: remaining() });
  result.chat = await waitResult(page);
  if (!result.chat.ok) throw new Error('chat phase failed: ' + result.chat.error);

  // The session cookie as the browser holds it (value withheld).
  if (backend) {
    result.cookies = (await context.cookies(backend)).map(({ value, ...rest }) => ({ ...rest, value_length: value.length }));
  }

  result.step = 'history';
  await page.reload({ waitUntil: 'load', timeout: remaining() });
  result.history = await waitResult(page);
  if (!result.history.ok) throw new Error('history phase failed: ' + result.history.error);

  delete result.step;
  result.ok = true;
}

let code = 0;
try {
  await main();
} catch (err) {
  result.error = String(err && err.stack || err);
  code = 1;
}
clearTimeout(hardStop);
await closeBrowser();
finish(code);
