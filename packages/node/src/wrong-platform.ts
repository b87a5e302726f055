// What a browser bundler resolves @lifeline/node to: ws cannot run in a page
throw new Error(
  '@lifeline/node runs on Node.js only; in browsers, import { Lifeline } from "@lifeline/browser"',
);
