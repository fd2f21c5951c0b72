import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

/** Debian's chromium; CHROMIUM_PATH overrides it. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Where the console tests save their screenshots (git-ignored). */
export const SCREENSHOT_DIR = resolve(import.meta.dirname, '../../test-output/console');

/** The laptop screen the console is designed for. */
export const LAPTOP_VIEWPORT = { width: 1366, height: 768 };

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`No Chromium at ${CHROMIUM_PATH}: install the Debian package "chromium" or set CHROMIUM_PATH`);
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** What went wrong in a page: script errors, CSP violations, and any dialog (alert, confirm…) it opened. */
export interface PageProblems {
  errors: string[];
  cspViolations: string[];
  dialogs: string[];
}

export interface OpenedPage {
  context: BrowserContext;
  page: Page;
  problems: PageProblems;
}

/**
 * A fresh context (own cookies) and page at the laptop viewport, recording problems. Dialogs are
 * recorded and dismissed so a test never hangs on one.
 */
export async function openPage(browser: Browser, baseURL: string): Promise<OpenedPage> {
  const context = await browser.newContext({ baseURL, viewport: LAPTOP_VIEWPORT, locale: 'en-GB', timezoneId: 'UTC' });
  const page = await context.newPage();
  const problems: PageProblems = { errors: [], cspViolations: [], dialogs: [] };
  page.setDefaultTimeout(8000);
  page.on('pageerror', (error) => problems.errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const text = message.text();
    if (/Content Security Policy|Refused to (execute|load|apply|connect)/i.test(text)) problems.cspViolations.push(text);
  });
  page.on('dialog', (dialog) => {
    problems.dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss().catch(() => {});
  });
  return { context, page, problems };
}

/** Saves a full-viewport screenshot as test-output/console/<name>.png and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path });
  return path;
}

/** Closes the browser, giving up after five seconds (a hung Chromium must not hang the suite). */
export async function closeBrowser(browser: Browser | undefined): Promise<void> {
  if (!browser) return;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, 5000);
  });
  try {
    await Promise.race([browser.close(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
