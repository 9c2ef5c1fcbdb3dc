// Drives swha-tts with the official OpenAI SDK for Node, as an application would. Started by
// tests/blackbox/openai_sdk_test.cc with OPENAI_BASE_URL, OPENAI_API_KEY and SWHA_OUT_DIR set;
// writes every audio it gets under SWHA_OUT_DIR for FFmpeg to check, prints one "ok" line per
// check, and exits non-zero on the first failure.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
// Node's own fetch, not the SDK's default node-fetch 2: on Node 18 (Debian 12's), node-fetch
// raises "Premature close" on an answer that ended well when the keep-alive socket it came on
// is already carrying the next request, and that error, thrown outside any await, ends the
// process. With keepAlive off it never happens; the SDK documents this import for Node 18+.
import 'openai/shims/web';
import OpenAI from 'openai';

const outDir = process.env.SWHA_OUT_DIR;
assert.ok(outDir, 'SWHA_OUT_DIR is not set');
const client = new OpenAI({ maxRetries: 0 });  // base URL and key from the environment

const formats = {
  mp3: 'audio/mpeg', opus: 'audio/ogg', aac: 'audio/aac',
  flac: 'audio/flac', wav: 'audio/wav', pcm: 'audio/pcm',
};
// Forty sentences: about two seconds of synthesis, so that a stall cannot decide the check.
const manySentences = Array.from({ length: 40 }, (_, i) =>
  `This is sentence number ${i + 1}, and it carries a few more words to say.`).join(' ');

async function check(name, fn) {
  await fn();
  console.log(`ok ${name}`);
}

await check('models.list', async () => {
  const ids = [];
  for await (const model of client.models.list()) ids.push(model.id);
  assert.deepEqual(ids, ['tts-1', 'tts-1-hd', 'gpt-4o-mini-tts', 'kokoro']);
});

for (const [format, contentType] of Object.entries(formats)) {
  await check(`speech ${format}`, async () => {
    const response = await client.audio.speech.create({
      model: 'tts-1', voice: 'alloy', input: 'Hello from the OpenAI SDK. A second sentence.',
      response_format: format,
    });
    assert.equal(response.headers.get('content-type'), contentType);
    const audio = Buffer.from(await response.arrayBuffer());
    assert.ok(audio.length > 1000, `${format}: only ${audio.length} bytes`);
    fs.writeFileSync(path.join(outDir, `sdk.${format}`), audio);
  });
}

await check('speech streamed in chunks', async () => {
  const response = await client.audio.speech.create({
    model: 'tts-1-hd', voice: 'nova', input: manySentences, response_format: 'mp3',
  });
  // How early the first bytes come is measured in bench/ and checked loosely by
  // OpenAiSpeechTest; here, on a machine that may be busy, only that they come in pieces.
  let chunks = 0;
  const parts = [];
  for await (const chunk of response.body) {
    chunks++;
    parts.push(chunk);
  }
  assert.ok(chunks > 1, `one chunk only`);
  fs.writeFileSync(path.join(outDir, 'sdk-stream.mp3'), Buffer.concat(parts));
});

await check('speech as server-sent events', async () => {
  const response = await client.audio.speech.create({
    model: 'gpt-4o-mini-tts', voice: { id: 'af_heart' }, input: 'Events, one by one. Then done.',
    response_format: 'pcm', stream_format: 'sse', instructions: 'Calm and clear.',
  });
  assert.equal(response.headers.get('content-type'), 'text/event-stream');
  const text = await response.text();
  const events = text.split('\n\n').filter((e) => e.length > 0).map((e) => {
    assert.ok(e.startsWith('data: '), e);
    return JSON.parse(e.slice(6));
  });
  const done = events.pop();
  assert.equal(done.type, 'speech.audio.done');
  assert.ok(done.usage.input_tokens > 0 && done.usage.output_tokens > 0);
  assert.equal(done.usage.total_tokens, done.usage.input_tokens + done.usage.output_tokens);
  assert.ok(events.length >= 2 && events.every((e) => e.type === 'speech.audio.delta'));
  const audio = Buffer.concat(events.map((e) => Buffer.from(e.audio, 'base64')));
  fs.writeFileSync(path.join(outDir, 'sdk-sse.pcm'), audio);
});

// Our errors reach the application as the SDK's own error classes, fields included.
async function rejects(promise, ErrorClass, status, fields) {
  await assert.rejects(promise, (error) => {
    assert.ok(error instanceof ErrorClass, `${error.constructor.name}: ${error.message}`);
    assert.equal(error.status, status);
    for (const [key, value] of Object.entries(fields)) assert.equal(error[key], value, key);
    return true;
  });
}

await check('errors as OpenAI error classes', async () => {
  const speech = (body) => client.audio.speech.create({
    model: 'tts-1', voice: 'alloy', input: 'Hi.', ...body,
  });
  await rejects(speech({ input: 'x'.repeat(4097) }), OpenAI.BadRequestError, 400,
                { param: 'input', type: 'invalid_request_error' });
  await rejects(speech({ voice: 'nobody' }), OpenAI.BadRequestError, 400, { param: 'voice' });
  await rejects(speech({ speed: 9 }), OpenAI.BadRequestError, 400, { param: 'speed' });
  await rejects(speech({ response_format: 'ogg' }), OpenAI.BadRequestError, 400,
                { param: 'response_format' });
  await rejects(speech({ model: 'tts-9' }), OpenAI.NotFoundError, 404, { code: 'model_not_found' });
  const stranger = new OpenAI({ apiKey: 'swha_wrong-key', maxRetries: 0 });
  await rejects(stranger.audio.speech.create({ model: 'tts-1', voice: 'alloy', input: 'Hi.' }),
                OpenAI.AuthenticationError, 401, { code: 'invalid_api_key' });
});
