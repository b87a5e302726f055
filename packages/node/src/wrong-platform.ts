// What a browser bundler resolves @lifeline/node to: ws cannot run in a page. Core's names are exported
// so that an application's imports resolve and the bundle builds; loading it then throws this, which
// says what to use instead (package.json lists this file as having side effects, so it is kept).
export * from '@lifeline/core';

throw new Error(
  '@lifeline/node runs on Node.js only; in browsers, import { Lifeline } from "@lifeline/browser"',
);
