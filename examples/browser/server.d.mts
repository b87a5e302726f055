/** What `startDemoServer()` returns: the page's address, the session server's, and how to stop both. */
export interface DemoServer {
  /** The page, `http://127.0.0.1:<port>/`. */
  readonly url: string;
  /** The session server the page connects to, `ws://127.0.0.1:<port>`. */
  readonly wsUrl: string;
  close(): Promise<void>;
}

/** Starts the demo page's server on 127.0.0.1; `port` 0 (the default) lets the OS pick one. */
export function startDemoServer(options?: { port?: number }): Promise<DemoServer>;
