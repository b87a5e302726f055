/**
 * How the tests launch Chromium: Debian's own (Playwright cannot download its browser on a closed
 * network), with the background-networking flags, without which Chromium keeps dialing out and is refused.
 * The browser project and the demo page's test both use it.
 */
export const chromiumLaunchOptions = {
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
};
