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
