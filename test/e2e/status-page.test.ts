import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { AgentProcess } from '../support/agent-process.js';
import { artifactPath, launchChromium, type HeadlessChromium } from '../support/chromium.js';
import { forEachBackend } from '../support/vault-backend.js';
import { startVaultFixture, type VaultFixture } from '../support/vault-fixture.js';

const SECRETS = [
  { name: 'db', kind: 'leased', path: 'database/creds/demo', file: 'db.json' },
  { name: 'db-password', kind: 'leased', path: 'database/creds/demo', file: 'db-password', format: 'raw', field: 'password' },
  { name: 'app-config', kind: 'kv2', path: 'demo/config', file: 'config.json', refresh_interval: '1s' },
  {
    name: 'tls', kind: 'pki', role: 'demo', params: { common_name: 'demo-app.default.svc' },
    files: [
      { file: 'tls.crt', format: 'pem', fields: ['certificate'] },
      { file: 'tls-ca.crt', format: 'pem', fields: ['issuing_ca'], track_reads: false },
    ],
  },
];
/** A file drawn from two secrets: one row of the files table, not one under each secret. */
const TEMPLATES = [{ file: 'app.conf', secrets: ['db', 'app-config'], template: 'user={{secrets.db.data.username}} url={{secrets.[app-config].data.api_url}}\n' }];

/** "1m 05s" → 65; the lease column of a leased secret. */
function seconds(text: string): number {
  const match = /^(?:(\d+)m )?(\d+)s$/.exec(text);
  assert.ok(match, `"${text}" is a countdown`);
  return Number(match[1] ?? 0) * 60 + Number(match[2]);
}

async function rows(page: Page, table: 'secrets' | 'files' = 'secrets'): Promise<string[][]> {
  const result: string[][] = [];
  const locator = page.locator(`#${table} tr`);
  for (let i = 0; i < (await locator.count()); i++) result.push(await locator.nth(i).locator('td').allTextContents());
  return result;
}

forEachBackend('/status in headless Chromium (real agent, real browser)', function (backend) {
  this.timeout(60_000);
  let vault: VaultFixture;
  let agent: AgentProcess | undefined;
  let browser: HeadlessChromium | undefined;

  before(async () => {
    // 40 s leases: renewed at about 27 s, after this test has read its countdowns.
    vault = await startVaultFixture({ backend, dbDefaultTtl: '40s', dbMaxTtl: '5m', pki: { ttl: '1h' } });
    agent = AgentProcess.start(['run', '--config', await vault.writeConfig(vault.config(SECRETS, { templates: TEMPLATES }))]);
    await agent.waitReady();
    browser = await launchChromium();
  });
  async function screenshot(page: Page, name: string): Promise<void> {
    const png = await artifactPath(name);
    await page.screenshot({ path: png, fullPage: true });
    const bytes = await readFile(png);
    assert.ok(bytes.length > 5_000 && bytes.subarray(1, 4).toString() === 'PNG', `screenshot saved to ${png}`);
  }

  after(async function () {
    if ((this.test?.parent?.tests ?? []).some((t) => t.state === 'failed')) console.log(agent?.describe());
    await browser?.close();
    await agent?.stop('SIGKILL');
    await vault?.close();
  });

  it('shows every secret and every file with a live countdown, no secret value or token, at 1280 and at 400 px wide', async () => {
    const page = await browser!.context.newPage();
    await page.setViewportSize({ width: 1280, height: 900 });
    // A CSP violation (script or style blocked) or a script error would show here.
    const problems: string[] = [];
    page.on('console', (message) => void (message.type() === 'error' && problems.push(message.text())));
    page.on('pageerror', (error) => void problems.push(error.message));
    const response = await page.goto(`${agent!.metricsUrl}/status`);
    assert.equal(response?.status(), 200);
    assert.equal(await page.title(), 'vaultlet status');
    await page.locator('#connection', { hasText: 'live' }).waitFor({ timeout: 5_000 });

    const table = await rows(page);
    assert.deepEqual(table.map((row) => row.slice(0, 2)), [['db', 'leased'], ['db-password', 'leased'], ['app-config', 'kv2'], ['tls', 'pki']]);
    for (const row of table) assert.deepEqual(row.slice(4, 6), ['yes', '—'], `${row[0]}: ready, last error`);
    assert.equal(table[2]![2], 'no lease (version 1)');
    assert.equal(table[2]![3], '— (no lease)', 'kv v2 has no lease to renew');
    assert.equal(table[0]![3], 'not yet', 'renewable, not renewed yet');
    assert.equal(table[3]![3], 'not renewable', 'a certificate is replaced, never renewed');
    const headers = await page.locator('thead th').allTextContents();
    assert.deepEqual(headers.slice(2, 4), ['lease time left', 'last renewal']);
    assert.equal(await page.locator('#summary dd').first().textContent(), 'ready');

    // One row per file, by name without the directory; app.conf once, drawn from both secrets.
    const files = await rows(page, 'files');
    assert.deepEqual(files.map((row) => row.slice(0, 2)), [
      ['db.json', 'db'], ['db-password', 'db-password'], ['config.json', 'app-config'], ['tls.crt', 'tls'], ['tls-ca.crt', 'tls'], ['app.conf', 'db, app-config'],
    ]);
    for (const row of files) assert.equal(row[3], 'yes', `${row[0]}: up to date`);
    assert.match(files[0]![2]!, /^\d+s ago$/);
    assert.equal(files[4]![4], 'not tracked', 'track_reads: false');
    for (const row of files.filter((r) => r[0] !== 'tls-ca.crt')) assert.match(row[4]!, /^not yet \(\d+s\)$/, `${row[0]}: nothing has read the file yet`);
    assert.ok(!(await page.locator('body').innerText()).includes(vault.secretsDir), 'no directory on the page');

    // The countdown moves on its own, without reloading the page.
    const first = seconds(table[0]![2]!);
    assert.ok(first > 0 && first <= 40, `db has ${first}s left`);
    await page.waitForTimeout(2_100);
    const second = seconds((await rows(page))[0]![2]!);
    assert.ok(second < first && second >= first - 4, `countdown went from ${first}s to ${second}s`);

    // The app reads db-password, once, from another process; the agent sees it at its next
    // atime poll (every 5 s) and the page at its next refresh. Nothing reads db.json.
    execFileSync('cat', [join(vault.secretsDir, 'db-password')], { stdio: 'ignore' });
    const read = Date.now();
    const dbPassword = page.locator('#files tr[data-file="db-password"] td').nth(4);
    await dbPassword.filter({ hasText: /^yes, \d+s after write$/ }).waitFor({ timeout: 10_000 });
    assert.equal(await dbPassword.getAttribute('class'), 'ok');
    if (Date.now() - read < 6_000) await page.waitForTimeout(6_000 - (Date.now() - read));
    const unread = (await rows(page, 'files')).find((row) => row[0] === 'db.json')![4]!;
    const waited = /^not yet \((\d+)s\)$/.exec(unread);
    assert.ok(waited, `db.json: "${unread}" after another file was read`);
    const before = Number(/\((\d+)s\)/.exec(files[0]![4]!)![1]);
    assert.ok(Number(waited[1]) >= before + 6, `db.json's wait counts up live: ${before}s, then ${waited[1]}s`);

    const values = [
      ...Object.values(JSON.parse(await readFile(join(vault.secretsDir, 'db.json'), 'utf8')) as Record<string, string>),
      await readFile(join(vault.secretsDir, 'db-password'), 'utf8'),
      (JSON.parse(await readFile(join(vault.secretsDir, 'config.json'), 'utf8')) as { api_key: string }).api_key,
      (await readFile(vault.tokenPath, 'utf8')).trim(),
    ];
    assert.ok(values.length >= 5 && values.every((value) => value.length >= 8), 'the values to look for were read');
    const text = await page.locator('body').innerText();
    const html = await page.content();
    for (const value of values) {
      assert.ok(!text.includes(value) && !html.includes(value), 'a secret value or token appears on the page');
    }
    // The agent's own Vault token (the dev server issues hvs.* like Vault 1.10+), any JWT, any key.
    assert.ok(!/hvs\.|eyJ|PRIVATE KEY/.test(html), 'no Vault token, JWT or key on the page');
    await screenshot(page, `status-page-${backend.kind}.png`);

    // 400 px: nothing scrolls sideways, and lease time, readiness and errors are on screen.
    await page.setViewportSize({ width: 400, height: 900 });
    await page.waitForTimeout(300);
    const widths = await page.evaluate<{ page: number; viewport: number }>('({ page: document.documentElement.scrollWidth, viewport: window.innerWidth })');
    assert.ok(widths.page <= widths.viewport, `the page is ${widths.page} px wide in a ${widths.viewport} px window`);
    for (const label of ['lease time left', 'ready', 'last error', 'app read current version*']) {
      const boxes = await page.locator(`td[data-label="${label}"]`).evaluateAll((cells) => cells.map((cell) => {
        const box = cell.getBoundingClientRect();
        return { left: box.left, right: box.right, text: cell.textContent };
      }));
      assert.ok(boxes.length >= 4, `${label}: ${boxes.length} cells`);
      for (const box of boxes) assert.ok(box.left >= 0 && box.right <= widths.viewport, `${label} "${box.text}" spans ${box.left}–${box.right} px`);
    }
    // Each value is labelled with its column, since the header row is hidden.
    assert.equal(await page.locator('thead').first().isVisible(), false);
    const label = await page.evaluate<string>(`getComputedStyle(document.querySelector('#secrets tr[data-secret="db"] td[data-label="lease time left"]'), '::before').content`);
    assert.equal(label, '"lease time left"');
    await screenshot(page, `status-page-400px-${backend.kind}.png`);
    assert.deepEqual(problems, [], 'no console errors or CSP violations');
    await page.close();
  });

  it('picks up a new KV version without a reload, and says so when the agent stops answering', async () => {
    const page = await browser!.context.newPage();
    await page.goto(`${agent!.metricsUrl}/status`);
    const before = (await stat(join(vault.secretsDir, 'config.json'))).mtimeMs;
    const written = await fetch(`${vault.backend.directUrl}/v1/secret/data/demo/config`, {
      method: 'POST',
      headers: { 'X-Vault-Token': vault.backend.rootToken, 'content-type': 'application/json' },
      body: JSON.stringify({ data: { api_key: 'second-version-of-the-key' } }),
    });
    assert.equal(written.status, 200);
    await page.locator('#secrets tr[data-secret="app-config"] td', { hasText: 'no lease (version 2)' }).waitFor({ timeout: 8_000 });
    // The first test read version 1 (for its values); version 2 is a new file nobody has read.
    await page.locator('#files tr[data-file="config.json"] td', { hasText: /^not yet \(\d+s\)$/ }).waitFor({ timeout: 2_000 });
    // db.json was read too (for its values), and stays read: its version has not changed.
    await page.locator('#files tr[data-file="db.json"] td', { hasText: /^yes, \d+s after write$/ }).waitFor({ timeout: 8_000 });
    assert.ok((await stat(join(vault.secretsDir, 'config.json'))).mtimeMs > before);
    assert.ok(!(await page.content()).includes('second-version-of-the-key'));

    await agent!.stop('SIGKILL');
    await page.locator('#connection', { hasText: 'agent not answering' }).waitFor({ timeout: 5_000 });
    await page.locator('body.stale').waitFor({ timeout: 1_000 });
    await page.screenshot({ path: await artifactPath(`status-page-agent-gone-${backend.kind}.png`), fullPage: true });
    await page.close();
  });
});
