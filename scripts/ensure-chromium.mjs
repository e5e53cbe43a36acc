#!/usr/bin/env node
// npm test's pretest: the report's browser test (test/report/report-page.browser.test.ts) drives
// Debian's chromium at /usr/bin/chromium. When it is absent and this runs as root on a machine with
// apt-get (a fresh CI or developer machine), install it, quietly; otherwise say in one line how to,
// and let the test fail with the same advice. Never downloads a browser of its own.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CHROMIUM = '/usr/bin/chromium';

if (!existsSync(CHROMIUM)) {
  const root = process.getuid?.() === 0;
  const apt = existsSync('/usr/bin/apt-get');
  if (!root || !apt) {
    console.error(`ensure-chromium: ${CHROMIUM} is absent; the report's browser test needs it: apt-get install chromium`);
  } else {
    console.error('ensure-chromium: installing Debian\'s chromium for the report\'s browser test (apt-get install chromium)');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const log = [];
    for (const args of [['update', '-qq'], ['install', '-y', '-qq', 'chromium']]) {
      const result = spawnSync('apt-get', args, { env, encoding: 'utf8' });
      log.push(result.stdout ?? '', result.stderr ?? '');
      if (result.status !== 0) break;
    }
    if (!existsSync(CHROMIUM)) {
      const file = join(mkdtempSync(join(tmpdir(), 'ensure-chromium-')), 'apt.log');
      writeFileSync(file, log.join('\n'));
      console.error(`ensure-chromium: apt-get install chromium failed (its output: ${file})`);
    }
  }
}
