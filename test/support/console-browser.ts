/**
 * Chromium for the console's browser tests: Debian's `/usr/bin/chromium` (or
 * `$CHROMIUM_PATH`) driven by puppeteer-core, one browser per test file. A page records
 * every console error and uncaught exception; a failed request the test provoked on
 * purpose (a 400 for a bad filter) is announced with `expectHttpError(status)` first, so
 * the browser's "Failed to load resource" line for it is not counted as an error.
 * `startConsoleSession` is the browser, page and screenshot folder of one test file;
 * `setFieldValue` and `textOf` are the page steps the browser tests share.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import sharp from 'sharp';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * The DOM that the tests' page functions (`page.evaluate`, `$eval`, `waitForFunction`) use,
 * typed here because the project's `lib` has no DOM: a test declares
 * `declare const document: PageDocument`.
 */
export interface PageElement {
  value: string;
  disabled: boolean;
  open: boolean;
  textContent: string | null;
  dataset: Record<string, string | undefined>;
  selectionStart: number;
  selectionEnd: number;
  getAttribute(name: string): string | null;
  dispatchEvent(event: unknown): boolean;
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): ArrayLike<PageElement> & Iterable<PageElement>;
}

export interface PageDocument {
  activeElement: PageElement | null;
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): ArrayLike<PageElement> & Iterable<PageElement>;
  documentElement: { scrollWidth: number; clientWidth: number };
}

export interface ConsolePage {
  page: Page;
  /** Console errors and page exceptions not announced as expected. */
  errors: string[];
  /** Announces that the next response with `status` is provoked by the test. */
  expectHttpError(status: number): void;
}

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`no chromium at ${CHROMIUM} (set CHROMIUM_PATH)`);
  return puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'],
  });
}

export async function openConsolePage(browser: Browser): Promise<ConsolePage> {
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 800 });
  const errors: string[] = [];
  const expected = new Map<number, number>();
  page.on('pageerror', (error) => errors.push(`page error: ${(error as Error).message}`));
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const failed = /Failed to load resource: the server responded with a status of (\d+)/.exec(
      message.text(),
    );
    const status = failed === null ? undefined : Number(failed[1]);
    if (status !== undefined && (expected.get(status) ?? 0) > 0) {
      expected.set(status, expected.get(status)! - 1);
      return;
    }
    errors.push(`console error: ${message.text()} (${message.location().url ?? ''})`);
  });
  return {
    page,
    errors,
    expectHttpError: (status) => expected.set(status, (expected.get(status) ?? 0) + 1),
  };
}

/**
 * Sets a text field's whole value and sends the `input` event typing would (fast for a long
 * vector or a JSON filter, which `page.type` would enter key by key).
 */
export async function setFieldValue(page: Page, selector: string, value: string): Promise<void> {
  await page.$eval(
    selector,
    (e, v) => {
      const field = e as unknown as { value: string; dispatchEvent(event: unknown): boolean };
      field.value = v;
      field.dispatchEvent(new Event('input', { bubbles: true }));
    },
    value,
  );
}

/** The text content of the first element `selector` finds. */
export function textOf(page: Page, selector: string): Promise<string> {
  return page.$eval(selector, (e) => e.textContent ?? '');
}

/**
 * The folder for screenshots: `$QUIVER_CONSOLE_SCREENSHOTS` (e.g. docs/console, to refresh
 * the committed ones), else a new folder under the OS temp folder.
 */
export function screenshotFolder(): string {
  const folder =
    process.env.QUIVER_CONSOLE_SCREENSHOTS ?? join(tmpdir(), `quiver-console-screenshots-${process.pid}`);
  mkdirSync(folder, { recursive: true });
  return folder;
}

/** Saves a screenshot as `<folder>/<name>.png`, a palette PNG (a fifth of the size; what docs/console keeps). */
export async function saveScreenshot(png: Uint8Array, folder: string, name: string): Promise<void> {
  await sharp(png)
    .png({ palette: true, quality: 90, effort: 4 })
    .toFile(join(folder, `${name}.png`));
}

/** One test file's browser: a page that records errors, the screenshot folder, and page steps. */
export interface ConsoleSession extends ConsolePage {
  browser: Browser;
  /** Where screenshots go (printed when the session starts). */
  shots: string;
  /** Saves a screenshot of the page, or of the first element `selector` finds, as `<shots>/<name>.png`. */
  shoot(name: string, selector?: string): Promise<void>;
  /** Shows the console page of `hash` (`#/collections/x/search`). */
  goto(hash: string): Promise<void>;
  close(): Promise<void>;
}

/** Launches chromium and opens a page (1280×800, 15 s waits); prints the screenshot folder. */
export async function startConsoleSession(): Promise<ConsoleSession> {
  const browser = await launchBrowser();
  const consolePage = await openConsolePage(browser);
  const { page } = consolePage;
  page.setDefaultTimeout(15_000);
  const shots = screenshotFolder();
  console.log(`console screenshots: ${shots}`);
  return {
    ...consolePage,
    browser,
    shots,
    async shoot(name, selector) {
      const target = selector === undefined ? page : await page.$(selector);
      if (target === null) throw new Error(`no ${selector} to take a screenshot of`);
      await saveScreenshot(await target.screenshot(), shots, name);
    },
    async goto(hash) {
      await page.evaluate((h) => {
        (globalThis as unknown as { location: { hash: string } }).location.hash = h;
      }, hash);
    },
    close: () => browser.close(),
  };
}
