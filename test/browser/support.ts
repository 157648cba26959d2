// What the browser tests share: the UI built into a folder of this test run's own (the package tier
// rebuilds dist/ beside it), Debian's
// Chromium driven by playwright-core (never a downloaded browser) with a fresh profile, axe-core run
// in the page, and screenshots written to the test artifacts folder.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const repoRoot = join(import.meta.dirname, '..', '..');
export const webRoot = join(mkdtempSync(join(tmpdir(), 'mesh-hub-web-')), 'web');

/** Type-checks the UI and builds it (vite, about a second) into `webRoot`. */
export function ensureWebBuilt(): void {
  const bin = (pkg: string, file: string) => join(repoRoot, 'node_modules', pkg, file);
  execFileSync(process.execPath, [bin('typescript', 'bin/tsc'), '-p', join(repoRoot, 'web', 'tsconfig.json')], {
    stdio: 'inherit',
  });
  execFileSync(
    process.execPath,
    [
      bin('vite', 'bin/vite.js'),
      'build',
      '--config',
      join(repoRoot, 'web', 'vite.config.ts'),
      '--outDir',
      webRoot,
      '--emptyOutDir',
    ],
    { stdio: 'inherit', cwd: repoRoot },
  );
}

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface Browser {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/** Debian's Chromium with a fresh profile of its own. */
export async function launchChromium(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'mesh-hub-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1360, height: 900 },
    timeout: 60_000,
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** A new tab signed in with `token` (kept in the tab's sessionStorage, as the sign-in form does). */
export async function pageWithToken(browser: Browser, token: string): Promise<Page> {
  const page = await browser.context.newPage();
  await page.addInitScript((value) => {
    sessionStorage.setItem('meshhub.token', value);
  }, token);
  page.setDefaultTimeout(30_000);
  return page;
}

const axeSource = readFileSync(join(repoRoot, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');

export interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly nodes: readonly { target: readonly string[] }[];
}

/** axe-core's serious and critical violations on the page as it is now (WCAG 2 A and AA rules). */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  // Evaluated through the DevTools protocol, so the page's Content-Security-Policy stays as served.
  await page.evaluate(`${axeSource}\n;undefined`);
  // A string, so this file needs no DOM types: the expression runs in the page.
  const violations = await page.evaluate<AxeViolation[]>(`axe
    .run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21aa', 'best-practice'] } })
    .then((result) => result.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })),
    })))`);
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** Writes a screenshot of the whole page to $MESHHUB_TEST_ARTIFACTS/dashboard/ (when set). */
export async function screenshot(page: Page, name: string): Promise<void> {
  const dir = process.env.MESHHUB_TEST_ARTIFACTS;
  if (dir === undefined || dir === '') return;
  const target = join(dir, 'dashboard');
  mkdirSync(target, { recursive: true });
  await page.screenshot({ path: join(target, `${name}.png`), fullPage: true });
}
