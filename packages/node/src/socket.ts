import type { UpgradeResponse, WebSocketLike } from '@lifeline/core';
import { WebSocket } from 'ws';

/**
 * `ws`'s WebSocket with the capabilities core's port names: write callbacks for the queue, pong events
 * for the heartbeat, and the HTTP response of a refused upgrade for classification.
 */
export class NodeSocket extends WebSocket implements WebSocketLike {
  onpong: (() => void) | null = null;
  upgradeResponse: UpgradeResponse | undefined;

  constructor(url: string, protocols?: string | string[], options?: WebSocket.ClientOptions) {
    super(url, protocols, options);
    this.on('pong', () => this.onpong?.());
    // with a listener, ws leaves the refused request to us: record the response, then fail the attempt
    // the way ws itself would (error, then close 1006)
    this.on('unexpected-response', (request, response) => {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(response.headers)) {
        if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
      }
      this.upgradeResponse = { status: response.statusCode ?? 0, headers };
      response.resume();
      request.destroy();
      this.terminate();
    });
  }

  sendWithCallback(data: Parameters<WebSocket['send']>[0], callback: (error?: Error) => void): void {
    this.send(data, callback);
  }
}
