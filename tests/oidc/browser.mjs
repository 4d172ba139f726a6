// A stand-in for a person at a web browser, for sigil's OAuth tests: it follows redirects,
// keeps cookies, and submits oidc-provider's development login and consent forms and its
// device-flow pages over plain HTTP. No JavaScript, no HTML parser beyond what these pages need.
//
//   node browser.mjs URL
//       What `$BROWSER URL` runs during `sigil login --flow pkce`: log in, consent, and follow
//       the redirect to sigil's loopback listener.
//   node browser.mjs --device VERIFICATION_URI USER_CODE
//       Play the user of the device flow: enter the code, confirm, log in, consent.
//
// Environment:
//   SIGIL_TEST_BROWSER_MODE  approve (default) | deny (abort at consent, or at the device
//                            confirmation) | tamper-state (change `state` on the way back) |
//                            idle (do nothing, as a user who walked away)
//   SIGIL_TEST_BROWSER_LOG   a file to append every URL visited to, and the final page
const args = process.argv.slice(2);
const mode = process.env.SIGIL_TEST_BROWSER_MODE || 'approve';
const logFile = process.env.SIGIL_TEST_BROWSER_LOG;
const fs = await import('node:fs');

function log(line) {
  if (logFile) fs.appendFileSync(logFile, `${line}\n`);
}

const jar = new Map();

function remember(response) {
  for (const header of response.headers.getSetCookie()) {
    const [pair] = header.split(';');
    const eq = pair.indexOf('=');
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    if (/expires=Thu, 01 Jan 1970/i.test(header) || value === '') jar.delete(name);
    else jar.set(name, value);
  }
}

function cookieHeader() {
  return [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
}

function unescape(s) {
  return s.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<').replace(/&gt;/g, '>');
}

function attr(tag, name) {
  const m = tag.match(new RegExp(`\\b${name}="([^"]*)"`));
  return m ? unescape(m[1]) : undefined;
}

// The forms of a page: action, method and the named inputs with their values.
function forms(html) {
  const out = [];
  for (const m of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)) {
    const fields = new URLSearchParams();
    for (const input of m[2].matchAll(/<input\b[^>]*>/g)) {
      const name = attr(input[0], 'name');
      if (name) fields.append(name, attr(input[0], 'value') ?? '');
    }
    out.push({
      id: attr(m[1], 'id'),
      action: attr(m[1], 'action'),
      method: (attr(m[1], 'method') || 'get').toUpperCase(),
      fields,
    });
  }
  return out;
}

let origin;
let aborted = false;

async function go(url, method = 'GET', body = undefined) {
  for (let hops = 0; hops < 30; hops += 1) {
    const target = new URL(url);
    if (origin && target.origin !== origin) {
      // Leaving the authorization server: this is the redirect back to the client.
      if (mode === 'tamper-state' && target.searchParams.has('state')) {
        target.searchParams.set('state', 'not-the-state-sigil-sent');
      }
      log(`callback ${target.origin}${target.pathname}?${[...target.searchParams.keys()].join(',')}`);
      const response = await fetch(target, { redirect: 'manual' });
      const text = await response.text();
      log(`final ${response.status} ${text}`);
      return;
    }
    origin ??= target.origin;
    log(`visit ${method} ${target.href}`);
    const headers = { cookie: cookieHeader() };
    if (body) headers['content-type'] = 'application/x-www-form-urlencoded';
    const response = await fetch(target, {
      method, body: body?.toString(), headers, redirect: 'manual',
    });
    remember(response);
    if (response.status >= 300 && response.status < 400) {
      url = new URL(response.headers.get('location'), target).href;
      method = 'GET';
      body = undefined;
      continue;
    }
    const html = await response.text();
    const page = forms(html);
    // After an abort the device page offers its code form again: the user walks away.
    if (page.length === 0 || aborted) {
      log(`final ${response.status} ${html.replace(/\s+/g, ' ').slice(0, 300)}`);
      return;
    }
    // The development pages have one form each; a login form wants any login and password.
    const form = page[0];
    const action = new URL(form.action || target.href, target).href;
    if (form.fields.has('login') || html.includes('name="login"')) {
      form.fields.set('login', 'alice');
      form.fields.set('password', 'secret');
    }
    if (form.fields.get('prompt') === 'consent' && mode === 'deny') {
      url = action.replace(/\/?$/, '/abort');
      method = 'GET';
      body = undefined;
      continue;
    }
    if (form.id === 'op.deviceInputForm') form.fields.set('user_code', userCode);
    if (form.id === 'op.deviceConfirmForm' && mode === 'deny') {
      form.fields.delete('confirm');
      form.fields.set('abort', 'yes');
      aborted = true;
    }
    if (form.method === 'GET') {
      const next = new URL(action);
      for (const [k, v] of form.fields) next.searchParams.set(k, v);
      url = next.href;
      method = 'GET';
      body = undefined;
    } else {
      url = action;
      method = 'POST';
      body = form.fields;
    }
  }
  throw new Error('too many steps');
}

let userCode;
if (args[0] === '--device') {
  userCode = args[2];
  await go(args[1]);
} else if (mode !== 'idle') {
  await go(args[0]);
}
