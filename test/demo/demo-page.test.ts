import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Page } from 'playwright';
import { expect, onTestFinished, test } from 'vitest';
import { startDemoServer } from '../../examples/browser/server.mjs';
import { chromiumLaunchOptions } from '../setup/chromium.js';

// The page of `pnpm demo:browser`, driven in Chromium through its own buttons, as a visitor would. It
// leaves a screenshot in .tmp/ for CI to keep.

const screenshot = fileURLToPath(new URL('../../.tmp/demo-browser.png', import.meta.url));

/** Waits until the element `selector` shows `text`, or fails naming what it showed instead. */
async function until(page: Page, selector: string, text: string | RegExp): Promise<void> {
  const isString = typeof text === 'string';
  const wanted = isString ? text : text.source;
  try {
    await page.waitForFunction(
      ([selector, wanted, isString]) => {
        const shown = document.querySelector(selector)?.textContent ?? '';
        return isString ? shown === wanted : new RegExp(wanted).test(shown);
      },
      [selector, wanted, isString] as const,
      { timeout: 15_000 },
    );
  } catch (error) {
    const shown = await page.locator(selector).textContent();
    throw new Error(`${selector} shows ${JSON.stringify(shown)}, not ${String(text)}`, { cause: error });
  }
}

const entries = (page: Page, phase: string) => page.locator(`#timeline [data-phase="${phase}"]`).count();
const texts = (page: Page, list: string) => page.locator(`#${list} li`).allTextContents();

test('shows a drop, sends while the server is down, and their delivery once, in order after the restart', {
  timeout: 60_000,
}, async () => {
  const demo = await startDemoServer();
  onTestFinished(() => demo.close());
  const browser = await chromium.launch(chromiumLaunchOptions);
  onTestFinished(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1100, height: 800 } });
  const pageErrors: Error[] = [];
  page.on('pageerror', (error) => pageErrors.push(error));
  await page.goto(demo.url);

  await until(page, '#state', 'open');
  await page.click('#send');
  await page.click('#send');
  await until(page, '#delivery', '2 of 2 back, each once, in order');

  // a cut connection: the timeline shows the wait, and the session resumes on the next connection
  await page.click('#drop');
  await page.locator('#timeline [data-phase="session"]').first().waitFor({ timeout: 15_000 });
  await until(page, '#state', 'open');
  expect(await page.locator('#timeline [data-phase="session"]').first().textContent()).toMatch(
    /session resumed/,
  );
  expect(await entries(page, 'waiting')).toBe(1);

  // the server goes away: sends queue, and the line keeps trying with a countdown
  await page.click('#stop');
  await until(page, '#server', 'down');
  await until(page, '#state', /waiting|connecting/);
  for (let click = 0; click < 3; click++) await page.click('#send');
  await until(page, '#queued', '3');
  expect(Number(await page.locator('#queued-bytes').textContent())).toBeGreaterThan(0);
  expect((await texts(page, 'sent-list')).slice(2)).toEqual(['#3 queued', '#4 queued', '#5 queued']);
  await until(page, '#timeline li:last-child', /waiting after \d+: attempt \d+ in \d+ ms/);

  await page.click('#start');
  await until(page, '#server', 'up');
  await until(page, '#delivery', '5 of 5 back, each once, in order');
  await until(page, '#queued', '0');
  await until(page, '#unacked', '0');
  expect(await texts(page, 'received-list')).toEqual([1, 2, 3, 4, 5].map((n) => `#${n} run ×1`));
  expect(await texts(page, 'sent-list')).toEqual([
    '#1 sent, acknowledged, echoed',
    '#2 sent, acknowledged, echoed',
    '#3 queued, acknowledged, echoed',
    '#4 queued, acknowledged, echoed',
    '#5 queued, acknowledged, echoed',
  ]);
  expect(await entries(page, 'session')).toBe(2);
  expect(await entries(page, 'open')).toBe(3);
  expect(await page.locator('#timeline li').first().textContent()).toMatch(/connecting: attempt 1$/);

  // going offline holds the line with no attempt until back online, which tries at once
  await page.click('#offline');
  await until(page, '#timeline li:last-child', /held until resumed/);
  await until(page, '#state', 'waiting');
  await page.click('#offline');
  await until(page, '#state', 'open');
  expect(await entries(page, 'session')).toBe(3);

  mkdirSync(dirname(screenshot), { recursive: true });
  await page.screenshot({ path: screenshot, fullPage: true });
  expect(pageErrors).toEqual([]);
});
