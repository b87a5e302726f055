/** Sequence watermarks of a session, per direction. */
export interface Watermarks {
  /** Highest server seq accepted by `send()`. */
  readonly sent: number;
  /** Highest server seq the client completed. */
  readonly acked: number;
  /** Highest client seq received (completed or in progress). */
  readonly received: number;
  /** Highest client seq whose handler completed (the server's acknowledgement). */
  readonly completed: number;
}

/** A session as the application sees it: in the `session` event and every handler's context. */
export interface ServerSession {
  /** The session id, masked (first 4 characters and `…`): fit for logs. */
  readonly id: string;
  /** Who `authenticate()` said opened the session; every resume must be by the same one. */
  readonly principal: string;
  /** 1 at creation, +1 on every attach (resume). */
  readonly epoch: number;
  /** Whether a client connection is attached now. */
  readonly isAttached: boolean;
  /** Where each direction's sequence numbers stand, for metrics and debugging. */
  readonly watermarks: Watermarks;
  /**
   * Sends `value` in order, exactly once, across reconnects. Resolves when the client completed it;
   * while the replay buffer is full it waits for room. Rejects with a `SessionError` when the session
   * ends first (`ERR_SESSION_ENDED`, e.g. `overflow` when it found the buffer full while the client was
   * away). @throws TypeError when `encode` cannot take the value
   */
  send(value: unknown): Promise<void>;
  /** Ends the session: its socket is closed with 1000 and the store forgets it; pending sends reject. */
  close(): void;
}
