import type { Lifeline } from '@lifeline/core';
import { onTestFinished } from 'vitest';
import type { FakeNetwork, FakeSocket } from '../../../test/helpers/fake-network.js';

/** Opens the next fake socket of `network` and resolves once `line` is open on it; closes `line` after the test. */
export async function connect(
  network: FakeNetwork,
  line: Lifeline<unknown, unknown, string>,
): Promise<FakeSocket> {
  onTestFinished(() => line.close());
  const socket = await network.nextSocket();
  socket.open();
  await line.opened();
  return socket;
}
