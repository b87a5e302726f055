// A dedicated worker for one-import.test.ts: runs the ride-through with the URL the page posts, and
// posts each fact back.
// @ts-expect-error: plain JavaScript shared with the Node.js, Bun and Deno runs, without declarations
import { rideThrough } from '../../../test/runtimes/ride-through.mjs';

const scope = globalThis as unknown as {
  document?: unknown;
  postMessage(fact: string): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<string>) => void): void;
};
scope.addEventListener('message', (event) => {
  scope.postMessage(`document ${typeof scope.document}`);
  rideThrough(event.data, (fact: string) => scope.postMessage(fact));
});
