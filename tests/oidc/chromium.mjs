// A person at a real browser, for sigil's OAuth tests: Debian's Chromium, headless, driven
// over the DevTools protocol with puppeteer-core. It runs oidc-provider's pages as they are
// (their JavaScript included), follows the redirect to sigil's loopback listener, and keeps
// what the person would see there.
//
//   node chromium.mjs URL
//       What `$BROWSER URL` runs during `sigil login --flow pkce`: log in, consent (or deny),
//       and follow the redirect to sigil's listener.
//   node chromium.mjs --device VERIFICATION_URI USER_CODE
//       Play the user of the device flow: enter the code, confirm, log in, consent.
//
// Environment:
//   SIGIL_TEST_BROWSER_MODE  approve (default) | deny (abort at consent)
//   SIGIL_TEST_BROWSER_OUT   a directory for what the browser saw at the end: page.png and
//                            page-dark.png (screenshots in light and dark mode), page.html
//                            (the page's HTML) and, written last, page.json ({url, status,
//                            headers} of the last page's response, and the body's background
//                            and text colours in light and dark mode)
//   SIGIL_TEST_CHROMIUM      the browser to run (default /usr/bin/chromium)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import puppeteer from 'puppeteer-core';

const args = process.argv.slice(2);
const mode = process.env.SIGIL_TEST_BROWSER_MODE || 'approve';
const out = process.env.SIGIL_TEST_BROWSER_OUT;
const device = args[0] === '--device';
const start = device ? args[1] : args[0];
const userCode = device ? args[2] : undefined;

const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'sigil-chromium-'));
const browser = await puppeteer.launch({
  executablePath: process.env.SIGIL_TEST_CHROMIUM || '/usr/bin/chromium',
  headless: true,
  userDataDir: profile,
  // A container has no user namespaces for the sandbox, and a small /dev/shm.
  args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu', '--no-first-run'],
});

function fail(why) {
  if (out) fs.writeFileSync(path.join(out, 'error.txt'), `${why}\n`);
  console.error(why);
}

try {
  const page = await browser.newPage();
  const origin = new URL(start).origin;
  // The last top-level document's response, wherever it came from.
  let last;
  page.on('response', (r) => {
    if (r.request().isNavigationRequest() && r.frame() === page.mainFrame()) last = r;
  });
  await page.goto(start, { waitUntil: 'load' });
  for (let step = 0; step < 40; step += 1) {
    const here = new URL(page.url());
    if (here.origin !== origin) break;
    try {
      if (!(await act(page, here))) break;
    } catch (e) {
      // A page that submits itself (a form_post answer) navigates under our feet: look again
      // once the next page is there.
      if (!/context was destroyed|detached|navigation|context with specified id/i.test(String(e))) throw e;
      await new Promise((r) => { setTimeout(r, 250); });
    }
  }
  await page.waitForNetworkIdle({ idleTime: 200, timeout: 10000 }).catch(() => {});
  if (out) {
    // The page's colours as the person sees them, in light and in dark mode.
    const colours = () => page.evaluate(() => {
      const style = getComputedStyle(document.body);
      return { background: style.backgroundColor, text: style.color };
    });
    await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: 'light' }]);
    await page.screenshot({ path: path.join(out, 'page.png'), fullPage: true });
    const light = await colours();
    await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: 'dark' }]);
    await page.screenshot({ path: path.join(out, 'page-dark.png'), fullPage: true });
    const dark = await colours();
    fs.writeFileSync(path.join(out, 'page.html'), await page.content());
    fs.writeFileSync(path.join(out, 'page.json'), JSON.stringify({
      url: page.url(),
      status: last?.status(),
      headers: last?.headers() ?? {},
      light,
      dark,
    }));
  }
} catch (e) {
  fail(`chromium.mjs: ${e.stack || e}`);
} finally {
  await browser.close();
  fs.rmSync(profile, { recursive: true, force: true });
}

// Does what the person would on the authorization server's page; false when there is
// nothing left to do there.
async function act(page, here) {
  const navigation = () => page.waitForNavigation({ waitUntil: 'load', timeout: 20000 });
  if (await page.$('input[name="login"]')) {
    await page.type('input[name="login"]', 'alice');
    await page.type('input[name="password"]', 'secret');
    await Promise.all([navigation(), page.click('button[type="submit"]')]);
    return true;
  }
  if (await page.$('form#op\\.deviceInputForm')) {
    await page.type('input[name="user_code"]', userCode);
    await Promise.all([navigation(), page.click('button[type="submit"]')]);
    return true;
  }
  if (await page.$('form#op\\.deviceConfirmForm')) {
    await Promise.all([navigation(), page.click('button[type="submit"][name="confirm"], button[autofocus], button[type="submit"]')]);
    return true;
  }
  if (await page.$('input[name="prompt"][value="consent"]')) {
    if (mode === 'deny') {
      // The development consent page's own "cancel" link.
      const action = await page.$eval('form', (f) => f.action);
      await page.goto(action.replace(/\/?$/, '/abort'), { waitUntil: 'load' });
    } else {
      await Promise.all([navigation(), page.click('button[type="submit"]')]);
    }
    return true;
  }
  // A form_post answer submits itself to sigil; wait for it to leave.
  if (await page.$('form[method="post"]') && !here.pathname.startsWith('/interaction')) {
    await navigation().catch(() => {});
    return true;
  }
  return false;
}
