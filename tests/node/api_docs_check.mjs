// Drives /docs (Swagger UI, served by swha-tts itself) in Debian's headless Chromium with
// playwright-core, as a reader of the API reference would: every operation of /openapi.json is
// listed; "Authorize" takes a bearer token; "Try it out" on GET /api/v1/users/me and on
// POST /api/v1/tts/generate reaches this server with that token. Started by
// tests/blackbox/api_docs_test.cc with SWHA_BASE_URL, SWHA_TOKEN, SWHA_USERNAME and
// SWHA_SCREENSHOT_DIR; prints one "ok" line per check, exits non-zero on the first failure.
import assert from 'node:assert/strict';
import path from 'node:path';
import { check, launchChromium, openPage } from './browser.mjs';

const baseUrl = process.env.SWHA_BASE_URL;
const token = process.env.SWHA_TOKEN;
const username = process.env.SWHA_USERNAME;
const screenshotDir = process.env.SWHA_SCREENSHOT_DIR;
for (const [name, value] of Object.entries({ baseUrl, token, username, screenshotDir })) {
  assert.ok(value, `${name} is not set`);
}
const TIMEOUT_MS = 90_000;  // synthesis on a loaded 2-core machine

// Expands an operation, presses "Try it out", optionally replaces its JSON body, executes it,
// and returns the live answer's status code and body text.
async function tryItOut(page, operationId, body) {
  const block = page.locator(`[id$="-${operationId}"]`).first();
  await block.locator('.opblock-summary').first().click();
  await block.locator('button.try-out__btn').click();
  if (body !== undefined) await block.locator('textarea.body-param__text').fill(JSON.stringify(body));
  await block.locator('button.execute').click();
  const status = block.locator('.live-responses-table .response .response-col_status');
  await status.waitFor();
  const answer = block.locator('.live-responses-table .response-col_description pre').first();
  return { status: (await status.textContent()).trim(), body: await answer.textContent() };
}

const browser = await launchChromium();
try {
  const { page, pageErrors } = await openPage(browser, TIMEOUT_MS);
  const offSite = [];
  page.on('request', (r) => {
    if (!r.url().startsWith(baseUrl) && !r.url().startsWith('data:')) offSite.push(r.url());
  });

  const document = await (await fetch(`${baseUrl}/openapi.json`)).json();
  const operations = Object.values(document.paths).reduce((n, item) => n + Object.keys(item).length, 0);

  await check('the reference lists every operation of /openapi.json', async () => {
    const response = await page.goto(`${baseUrl}/docs`);
    assert.equal(response.status(), 200);
    assert.match(response.headers()['content-security-policy'], /script-src 'self';/);
    await page.locator('.swagger-ui .info .title').filter({ hasText: 'swha-tts' }).waitFor();
    await page.locator('.opblock').first().waitFor();
    assert.equal(await page.locator('.opblock').count(), operations);
  });

  await check('Authorize takes a bearer token', async () => {
    await page.locator('.scheme-container button.authorize').click();
    const scheme = page.locator('.auth-container').filter({ hasText: 'bearerAuth' });
    await scheme.locator('input').fill(token);
    await scheme.locator('button.authorize').click();
    // "Logout" replaces it once the token is held.
    await scheme.locator('button', { hasText: 'Logout' }).waitFor();
    await scheme.locator('button.btn-done').click();
    await page.locator('.modal-ux').waitFor({ state: 'detached' });
  });

  await check('screenshot at 1280x800', async () => {
    // The top of the reference, authorized: the title, the servers and the operations.
    await page.screenshot({ path: path.join(screenshotDir, 'api-docs-1280x800.png') });
  });

  await check('Try it out: GET /api/v1/users/me answers as the authorized user', async () => {
    const { status, body } = await tryItOut(page, 'getApiV1UsersMe');
    assert.equal(status, '200', body);
    assert.equal(JSON.parse(body).username, username);
  });

  await check('Try it out: POST /api/v1/tts/generate stores a session of that user', async () => {
    const { status, body } = await tryItOut(page, 'postApiV1TtsGenerate', {
      text: 'Tried out from the reference.', voice: 'af_heart',
    });
    assert.equal(status, '200', body);
    const sessionId = JSON.parse(body).session_id;
    const mine = await fetch(`${baseUrl}/api/v1/tts/sessions/${sessionId}`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    assert.equal(mine.status, 200, 'the session is not the authorized user\'s');
  });

  await check('no script errors, and nothing fetched from elsewhere', async () => {
    assert.deepEqual(pageErrors, []);
    assert.deepEqual(offSite, []);
  });
} finally {
  await browser.close();
}
