/** Debian's Chromium for the browser tests (playwright-core drives it), and the flags that keep it local and quiet. */
import { existsSync } from 'node:fs';

export const CHROMIUM = '/usr/bin/chromium';

/** Whether Chromium is installed; when not, says which tests skip and how to install it. */
export function chromiumFor(tests: string): boolean {
  const present = existsSync(CHROMIUM);
  if (!present) console.warn(`${tests} skipped: ${CHROMIUM} is absent (apt-get install -y chromium fonts-wqy-microhei)`);
  return present;
}

/** Headless, no sandbox (root in CI), and no background requests to Google's services. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
  '--disable-quic',
];
