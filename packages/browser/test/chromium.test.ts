import { Lifeline } from '@lifeline/browser';
import { expect, inject, onTestFinished, test } from 'vitest';

test('runs in real Chromium, on its own WebSocket', () => {
  expect(navigator.userAgent).toContain('HeadlessChrome');
  expect(typeof globalThis.process).toBe('undefined');
});

test('round-trips a message from the page through a loopback server', async () => {
  const line = new Lifeline(inject('wsUrl'), { reconnect: { minDelay: 1 } });
  onTestFinished(() => line.close());
  const received = new Promise<MessageEvent>((resolve) =>
    line.addEventListener('message', resolve, { once: true }),
  );
  line.send('hello from Chromium');
  const event = await received;
  expect(event.data).toBe('hello from Chromium');
  expect(event.origin).toBe(new URL(inject('wsUrl')).origin);
});
