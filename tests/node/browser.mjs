// What the browser checks share: Debian's Chromium launched headless for playwright-core, and
// one "ok <name>" line per check passed (the C++ side looks for each line).
import { chromium } from 'playwright-core';

// As root Chromium needs --no-sandbox; `extraArgs` add to it.
export function launchChromium(extraArgs = []) {
  return chromium.launch({
    executablePath: process.env.SWHA_CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', ...extraArgs],
  });
}

export async function check(name, fn) {
  await fn();
  console.log(`ok ${name}`);
}

// A page at 1280x800 (the wide screenshot's size) whose script errors collect in `pageErrors`,
// and so does anything the server's Content-Security-Policy blocked (Chromium reports it on
// the console, not as a page error).
export async function openPage(browser, timeoutMs) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  context.setDefaultTimeout(timeoutMs);
  const page = await context.newPage();
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) pageErrors.push(m.text());
  });
  return { context, page, pageErrors };
}
