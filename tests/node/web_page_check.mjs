// Drives the web page (GET / in a browser) in Debian's headless Chromium with playwright-core,
// as a person would: registers, signs in, generates two segments, plays one while the words are
// highlighted, finds the session in "My sessions", deletes it, and provokes an API error. Started
// by tests/blackbox/web_page_test.cc with SWHA_BASE_URL, SWHA_MAX_TEXT_LENGTH and
// SWHA_SCREENSHOT_DIR set; prints one "ok" line per check and exits non-zero on the first failure.
import assert from 'node:assert/strict';
import path from 'node:path';
import { check, launchChromium, openPage } from './browser.mjs';

const baseUrl = process.env.SWHA_BASE_URL;
const maxTextLength = Number(process.env.SWHA_MAX_TEXT_LENGTH);
const screenshotDir = process.env.SWHA_SCREENSHOT_DIR;
const syncKey = process.env.SWHA_SYNC_KEY;
assert.ok(syncKey, 'SWHA_SYNC_KEY is not set');
assert.ok(baseUrl, 'SWHA_BASE_URL is not set');
assert.ok(maxTextLength > 0, 'SWHA_MAX_TEXT_LENGTH is not set');
assert.ok(screenshotDir, 'SWHA_SCREENSHOT_DIR is not set');

const TIMEOUT_MS = 90_000;  // synthesis on a loaded 2-core machine
const username = `web-wendy-${process.pid}`;
const password = 'correct-horse-42';

// Players may start without a click; nothing is heard.
const browser = await launchChromium(['--autoplay-policy=no-user-gesture-required', '--mute-audio']);
try {
  const { page, pageErrors } = await openPage(browser, TIMEOUT_MS);
  const failedResponses = [];
  page.on('response', (r) => {
    if (r.status() >= 400) failedResponses.push(`${r.status()} ${new URL(r.url()).pathname}`);
  });
  page.on('console', (m) => {
    if (m.type() === 'error') console.log(`browser console: ${m.text()}`);
  });

  await check('page loads with the catalogue', async () => {
    const response = await page.goto(`${baseUrl}/`);
    assert.equal(response.status(), 200);
    assert.match(response.headers()['content-type'], /^text\/html/);
    assert.match(response.headers()['content-security-policy'], /script-src 'self';/);
    await page.waitForSelector('body[data-ready="true"]');
    assert.equal(await page.title(), 'swha-tts: text to speech');
    assert.equal(await page.locator('#voice option').count(), 54);
    assert.equal(await page.locator('#language option').count(), 9);
    const formats = await page.locator('#format option').evaluateAll((o) => o.map((x) => x.value));
    assert.deepEqual(formats, ['wav', 'mp3', 'opus', 'aac', 'flac', 'pcm']);
    assert.equal(await page.locator('#format').inputValue(), 'wav');
    assert.match(await page.locator('#storage-note').textContent(), /not enabled/);
    assert.equal(await page.locator('#storage-s3').isDisabled(), true);
  });

  await check('keyboard: the first Tab reaches the skip link, which leads to the text', async () => {
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.className), 'skip-link');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'text');
  });

  await check('register', async () => {
    await page.fill('#username', username);
    await page.fill('#password', password);
    await page.fill('#email', `${username}@example.com`);
    await page.click('#register-button');
    await page.waitForFunction(() => /created/.test(document.querySelector('#auth-status').textContent));
    assert.equal(await page.locator('#account-summary').textContent(), `Signed in as ${username}.`);
  });

  await check('sign out and sign in again', async () => {
    await page.click('#sign-out-button');
    await page.waitForSelector('#auth-form:not([hidden])');
    assert.equal(await page.evaluate(() => sessionStorage.getItem('swha-tts.token')), null);
    await page.fill('#username', username);
    await page.fill('#password', 'not-the-password');
    await page.click('#sign-in-button');
    await page.waitForFunction(() => document.querySelector('#auth-error').textContent !== '');
    assert.equal(await page.locator('#auth-error').textContent(),
                 'Incorrect username or password (HTTP 401)');
    await page.fill('#password', password);
    await page.click('#sign-in-button');
    await page.waitForFunction(() => document.querySelector('#auth-status').textContent === 'Signed in.');
    assert.equal(await page.locator('#signed-in').isVisible(), true);
    assert.equal(await page.locator('#account-summary').textContent(), `Signed in as ${username}.`);
    assert.equal(await page.locator('#auth-error').textContent(), '');
    assert.ok(await page.evaluate(() => sessionStorage.getItem('swha-tts.token')));
  });

  let sessionId;
  await check('generate two segments, each with a player that loads', async () => {
    await page.fill('#text', 'The quick brown fox jumps over the lazy dog.\n' +
                             'A second line becomes a second segment.');
    await page.click('#generate-button');
    await page.waitForSelector('#result:not([hidden])');
    assert.equal(await page.locator('#segments > li').count(), 2);
    sessionId = await page.locator('#result').getAttribute('data-session-id');
    assert.ok(sessionId);
    await page.waitForFunction(() => {
      const players = [...document.querySelectorAll('#segments audio')];
      return players.length === 2 && players.every((a) => a.readyState >= 1 && a.duration > 0);
    });
    const durations = await page.locator('#segments audio').evaluateAll((a) => a.map((x) => x.duration));
    for (const d of durations) assert.ok(Number.isFinite(d) && d > 0.5 && d < 10, `duration ${d}`);
    const texts = await page.locator('#segments .graphemes').allTextContents();
    assert.deepEqual(texts, ['The quick brown fox jumps over the lazy dog.',
                             'A second line becomes a second segment.']);
    assert.equal(await page.locator('#segments .phonemes').count(), 2);
    assert.ok((await page.locator('#segments .phonemes').first().textContent()).length > 10);
    assert.equal(await page.locator('#segments time').count(), 2);
    assert.equal(await page.locator('#segments a[download]').count(), 2);
    assert.match(await page.locator('#generate-status').textContent(), /Generated 2 segments/);
  });

  await check('playing highlights the words in turn', async () => {
    const seen = await page.evaluate(() => new Promise((resolve, reject) => {
      const item = document.querySelector('#segments > li');
      const audio = item.querySelector('audio');
      const words = [];
      let ended = false;
      const sample = () => {
        const current = item.querySelectorAll('.word.current');
        if (current.length > 1) reject(new Error('more than one word highlighted'));
        const word = current.length ? current[0].textContent : null;
        if (!audio.paused && word && words[words.length - 1] !== word) words.push(word);
        if (!ended) requestAnimationFrame(sample);
      };
      // After the page's own 'ended' handler, which should have cleared the highlight.
      audio.addEventListener('ended', () => setTimeout(() => {
        ended = true;
        resolve({ words, left: item.querySelectorAll('.word.current').length });
      }, 50));
      audio.play().then(() => requestAnimationFrame(sample), reject);
    }));
    // Sampled once a frame, so a busy machine may miss a short word; those seen must still
    // come in the order they are spoken, and most of the nine must be seen.
    const spoken = ['The', 'quick', 'brown', 'fox', 'jumps', 'over', 'the', 'lazy', 'dog'];
    assert.ok(seen.words.length >= 5, `highlighted in turn: ${JSON.stringify(seen.words)}`);
    let at = -1;
    for (const word of seen.words) {
      const next = spoken.indexOf(word, at + 1);
      assert.ok(next > at, `${word} out of order in ${JSON.stringify(seen.words)}`);
      at = next;
    }
    assert.equal(seen.left, 0, 'a highlight stayed after the end');
  });

  await check('screenshots at 1280x800 and 390x844, no sideways scrolling on a phone', async () => {
    await page.evaluate(() => window.scrollTo(0, document.querySelector('fieldset.storage').getBoundingClientRect().top + window.scrollY - 16));
    // As if paused on "fox", so the picture shows what the highlight looks like.
    await page.evaluate(() => {
      const item = document.querySelector('#segments > li');
      item.querySelector('.word:nth-child(4)').classList.add('current');
    });
    await page.screenshot({ path: path.join(screenshotDir, 'web-page-1280x800.png') });
    await page.setViewportSize({ width: 390, height: 844 });
    const widths = await page.evaluate(() => ({
      scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
    assert.ok(widths.scroll <= widths.client, `page is ${widths.scroll}px wide in a 390px window`);
    await page.evaluate(() => window.scrollTo(0, document.querySelector('#result').offsetTop - 8));
    await page.screenshot({ path: path.join(screenshotDir, 'web-page-390x844.png') });
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.evaluate(() => document.querySelector('.word.current')?.classList.remove('current'));
  });

  const sessionItem = page.locator(`#session-list li[data-session-id="${sessionId}"]`);
  await check('the session is in "My sessions", and its fresh URLs play', async () => {
    await page.click('#sessions-refresh');
    await sessionItem.waitFor();
    assert.match(await sessionItem.textContent(), /2 segments · voice af_heart/);
    await sessionItem.getByRole('button', { name: /Get fresh URLs/ }).click();
    await page.waitForFunction((id) => {
      const players = [...document.querySelectorAll(`li[data-session-id="${id}"] audio`)];
      return players.length === 2 && players.every((a) => a.readyState >= 1 && a.duration > 0);
    }, sessionId);
    const src = await sessionItem.locator('audio').first().getAttribute('src');
    assert.ok(src.startsWith(`${baseUrl}/static/audio/${sessionId}/segment_000.wav?expires=`), src);
    assert.match(src, /&signature=[0-9a-f]+$/);
    // The lipsync form offers the session and its segments.
    assert.ok((await page.locator('#lipsync-session option').allTextContents()).length >= 1);
    assert.equal(await page.locator('#lipsync-segment option').count(), 2);
  });

  await check('a lipsync job from a segment, followed until it completes', async () => {
    await page.fill('#video-url', 'https://example.com/face.mp4');
    assert.equal(await page.locator('#lipsync-session').inputValue(), sessionId);
    await page.selectOption('#lipsync-segment', '1');
    await page.fill('#lipsync-key', syncKey);
    await page.click('#lipsync-button');
    await page.waitForSelector('#lipsync-job:not([hidden])');
    assert.match(await page.locator('#lipsync-status').textContent(), /Lipsync job created from TTS audio|Status/);
    // Polled every 3 s by the page until the provider says it is done.
    await page.waitForFunction(() => document.querySelector('#lipsync-job-status').textContent === 'COMPLETED');
    assert.equal(await page.locator('#lipsync-progress').evaluate((p) => p.value), 100);
    assert.equal(await page.locator('#lipsync-status').textContent(), 'The lipsynced video is ready.');
    assert.match(await page.locator('#lipsync-output-link').getAttribute('href'), /\/outputs\/.+\.mp4$/);
    assert.equal(await page.locator('#lipsync-error').textContent(), '');
  });

  await check('delete the session, and it is gone', async () => {
    page.once('dialog', (dialog) => dialog.accept());
    await sessionItem.getByRole('button', { name: /Delete/ }).click();
    await sessionItem.waitFor({ state: 'detached' });
    assert.match(await page.locator('#sessions-status').textContent(), /deleted/);
    await page.click('#sessions-refresh');
    await page.waitForFunction(() => /shown/.test(document.querySelector('#sessions-status').textContent));
    assert.equal(await sessionItem.count(), 0);
    const status = await page.evaluate(async (id) => {
      const r = await fetch(`/api/v1/tts/sessions/${id}`, {
        headers: { Authorization: `Bearer ${sessionStorage.getItem('swha-tts.token')}` } });
      return r.status;
    }, sessionId);
    assert.equal(status, 404);
  });

  await check('an API error is shown in words', async () => {
    const tooLong = 'x'.repeat(maxTextLength + 1);
    const direct = await fetch(`${baseUrl}/api/v1/tts/generate`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ text: tooLong }) });
    assert.equal(direct.status, 413);
    const { detail } = await direct.json();
    assert.match(detail, /limit/);
    await page.fill('#text', tooLong);
    await page.click('#generate-button');
    await page.waitForFunction(() => document.querySelector('#generate-error').textContent !== '');
    assert.equal(await page.locator('#generate-error').textContent(), `${detail} (HTTP 413)`);
    assert.equal(await page.locator('#generate-error').getAttribute('role'), 'alert');
    assert.equal(await page.locator('#generate-button').isDisabled(), false);
  });

  await check('no script errors, and no failed requests but those provoked', async () => {
    assert.deepEqual(pageErrors, []);
    assert.deepEqual(failedResponses, [
      '401 /api/v1/auth/login-json',              // the wrong password
      `404 /api/v1/tts/sessions/${sessionId}`,  // the deleted session, asked for by this check
      '413 /api/v1/tts/generate',                 // the text over MAX_TEXT_LENGTH
    ]);
  });
} finally {
  await browser.close();
}
