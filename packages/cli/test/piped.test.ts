import { fileURLToPath } from 'node:url';
import { SessionServer } from '@lifeline/server';
import { describe, expect, onTestFinished, test } from 'vitest';
import { startServer } from '../../../test/helpers/server.js';
import { lifeline } from './helpers/cli.js';

// The real bin, through pipes, against real ws servers on loopback. Small delays keep reconnects quick.
const FAST = ['--min-delay', '5', '--max-delay', '20'];
const SCHEMA = fileURLToPath(new URL('./fixtures/tick-schema.mjs', import.meta.url));
const ESC = '\u001b[';

describe('piped mode', { timeout: 30_000 }, () => {
  test('sends each stdin line as a message and prints each message alone on a stdout line', async () => {
    const server = await startServer({ echo: true });
    const cli = lifeline([server.url, ...FAST]);
    await cli.waitFor('stderr', 'connected');
    cli.write('hello\n');
    await cli.waitFor('stdout', 'hello\n');
    cli.write('{"a":1}\n');
    await cli.waitFor('stdout', '{"a":1}\n');
    cli.end();
    expect(await cli.exit).toBe(0);
    expect(cli.out.stdout).toBe('hello\n{"a":1}\n');
    // statuses never reach stdout, so `lifeline … | jq` reads messages only
    expect(cli.out.stderr).toContain(`connecting to ${server.url}/ (attempt 1)`);
  });

  test('a line written during an outage arrives once, in order, after the server is back on its port', async () => {
    const server = await startServer();
    const cli = lifeline([server.url, ...FAST]);
    await cli.waitFor('stderr', 'connected');
    cli.write('before\n');
    expect(await server.nextMessage()).toBe('before');
    await server.stop();
    await cli.waitFor('stderr', 'reconnecting in');
    cli.write('during 1\n');
    cli.write('during 2\n');
    await cli.waitFor('stderr', '2 queued');

    await server.start();
    const received: string[] = [];
    server.wss.on('connection', (socket) => socket.on('message', (data) => received.push(String(data))));
    // stdin ends with the two lines still queued: the run waits for them, then exits 0
    cli.end();
    expect(await cli.exit).toBe(0);
    expect(received).toEqual(['during 1', 'during 2']);
  });

  test('-x sends once connected and -w ends the run that long after connecting', async () => {
    const server = await startServer({ echo: true });
    const started = Date.now();
    const cli = lifeline([server.url, '-x', 'ping?', '-w', '0.3']);
    // stdin stays open: only -w ends this run
    expect(await cli.exit).toBe(0);
    expect(cli.out.stdout).toBe('ping?\n');
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
  });

  test('Ctrl-C (SIGINT) ends the run with 0', async () => {
    const server = await startServer();
    const cli = lifeline([server.url]);
    await cli.waitFor('stderr', 'connected');
    cli.child.kill('SIGINT');
    expect(await cli.exit).toBe(0);
  });

  test('an HTTP 403 upgrade refusal exits 1 with the status and the error code on stderr', async () => {
    const server = await startServer({ verifyClient: (_info, callback) => callback(false, 403) });
    const cli = lifeline([server.url]);
    expect(await cli.exit).toBe(1);
    expect(cli.out.stderr).toMatch(/stopped: ERR_HANDSHAKE_REJECTED.*HTTP 403.*close code 1006/);
    expect(cli.out.stdout).toBe('');
  });

  test('header values and URL query tokens are masked in every status line', async () => {
    let sentHeader: string | undefined;
    const server = await startServer({
      verifyClient: (info, callback) => {
        sentHeader = info.req.headers.authorization;
        callback(false, 403);
      },
    });
    const cli = lifeline([
      `${server.url}/feed?token=t0ps3cret&user=ann`,
      '-H',
      'Authorization: Bearer sup3rs3cret',
    ]);
    expect(await cli.exit).toBe(1);
    expect(sentHeader).toBe('Bearer sup3rs3cret');
    const output = cli.out.stdout + cli.out.stderr;
    expect(output).not.toContain('t0ps3cret');
    expect(output).not.toContain('sup3rs3cret');
    expect(cli.out.stderr).toContain(`${server.url}/feed?token=***&user=***`);
    expect(cli.out.stderr).toContain('Authorization: ***');
  });

  test('--no-reconnect: a normal close by the server exits 0, a dropped connection exits 1', async () => {
    const server = await startServer();
    server.wss.once('connection', (socket) => socket.close(1000, 'bye'));
    const clean = lifeline([server.url, '--no-reconnect']);
    expect(await clean.exit).toBe(0);

    server.wss.once('connection', (socket) => socket.terminate());
    const dropped = lifeline([server.url, '--no-reconnect']);
    expect(await dropped.exit).toBe(1);
    expect(dropped.out.stderr).toMatch(/stopped: ERR_FATAL_CLOSE.*close code 1006/);
  });

  test('--json pretty-prints JSON messages and leaves other text as it is', async () => {
    const server = await startServer();
    server.wss.on('connection', (socket) => {
      socket.send('{"a":1,"b":[true,null]}');
      socket.send('not json');
    });
    const cli = lifeline([server.url, '--json']);
    await cli.waitFor('stdout', 'not json\n');
    cli.end();
    expect(await cli.exit).toBe(0);
    expect(cli.out.stdout).toBe('{\n  "a": 1,\n  "b": [\n    true,\n    null\n  ]\n}\nnot json\n');
  });

  test('--schema reports an invalid message on stderr and prints only the valid ones', async () => {
    const server = await startServer();
    server.wss.on('connection', (socket) => {
      socket.send('{"type":"tick","n":"x"}');
      socket.send('{"type":"tick","n":1}');
    });
    const cli = lifeline([server.url, '--schema', `${SCHEMA}#Tick`]);
    await cli.waitFor('stdout', '\n');
    await cli.waitFor('stderr', 'invalid message');
    cli.end();
    expect(await cli.exit).toBe(0);
    expect(cli.out.stdout).toBe('{"type":"tick","n":1}\n');
    expect(cli.out.stderr).toContain(
      'invalid message (not printed): {"type":"tick","n":"x"} (n: expected a number)',
    );
  });

  test('-P shows the pings the server sends and the pongs answering the heartbeat', async () => {
    const server = await startServer();
    server.wss.on('connection', (socket) => socket.ping('hi'));
    const cli = lifeline([server.url, '-P', '--heartbeat', '20']);
    await cli.waitFor('stderr', 'received ping (data: hi)');
    await cli.waitFor('stderr', 'received pong');
    cli.end();
    expect(await cli.exit).toBe(0);
    expect(cli.out.stdout).toBe('');
  });

  test('bad usage exits 2 with the usage text: an unknown option, an invalid URL named (masked)', async () => {
    const unknown = lifeline(['--bogus', 'ws://127.0.0.1:1']);
    expect(await unknown.exit).toBe(2);
    expect(unknown.out.stderr).toContain("error: unknown option '--bogus'");
    expect(unknown.out.stderr).toContain('Usage: lifeline [options] [url]');

    const invalid = lifeline(['nope?token=abcd1234']);
    expect(await invalid.exit).toBe(2);
    expect(invalid.out.stderr).toContain("error: invalid URL 'nope?***'");
    expect(invalid.out.stderr).toContain('Usage: lifeline [options] [url]');

    const scheme = lifeline(['ftp://example.com']);
    expect(await scheme.exit).toBe(2);
    expect(scheme.out.stderr).toContain("invalid URL 'ftp://example.com/': the scheme must be ws: or wss:");
  });

  test('--session: each piped line reaches the handler once and its reply is printed once, across a cut', async () => {
    const server = await startServer();
    const handled: unknown[] = [];
    const sessions = new SessionServer({
      wss: server.wss,
      // the reply's completion by the client completes the handler, and so acknowledges the line
      handler: (message, { session }) => {
        handled.push(message);
        return session.send({ got: message });
      },
    });
    onTestFinished(() => sessions.close());
    const cli = lifeline([server.url, '--session', ...FAST]);
    await cli.waitFor('stderr', 'connected (subprotocol lifeline.session.v1)');
    cli.write('{"n":1}\n');
    await cli.waitFor('stdout', '{"got":{"n":1}}\n');

    server.drop(); // the second line is written while the client may not have noticed yet
    cli.write('{"n":2}\n');
    await cli.waitFor('stdout', '{"got":{"n":2}}\n');
    await cli.waitFor('stderr', 'resumed: nothing lost either way');
    // stdin ends: the run waits for the server's acknowledgements, then exits 0
    cli.end();
    expect(await cli.exit).toBe(0);
    expect(handled).toEqual([{ n: 1 }, { n: 2 }]);
    expect(cli.out.stdout).toBe('{"got":{"n":1}}\n{"got":{"n":2}}\n');
    expect(cli.out.stderr).not.toContain('dropped');
  });

  test('--session against a server without sessions stops with ERR_SESSION_UNSUPPORTED (exit 1)', async () => {
    const server = await startServer({ handleProtocols: () => false });
    const cli = lifeline([server.url, '--session']);
    expect(await cli.exit).toBe(1);
    expect(cli.out.stderr).toMatch(/stopped: ERR_SESSION_UNSUPPORTED/);
  });

  test('a --schema export that is not a Standard Schema exits 2', async () => {
    const schema = lifeline(['ws://127.0.0.1:1', '--schema', `${SCHEMA}#notASchema`]);
    expect(await schema.exit).toBe(2);
    expect(schema.out.stderr).toContain('is not a Standard Schema');
  });

  test('colours: stderr only when forced, never with NO_COLOR or --no-color, never on stdout', async () => {
    const server = await startServer({ echo: true });
    const run = async (args: string[], env: Record<string, string>) => {
      const cli = lifeline([server.url, ...args], env);
      await cli.waitFor('stderr', 'connected');
      cli.write('hi\n');
      await cli.waitFor('stdout', 'hi\n');
      cli.end();
      expect(await cli.exit).toBe(0);
      expect(cli.out.stdout).toBe('hi\n');
      return cli.out.stderr;
    };
    expect(await run([], { FORCE_COLOR: '1' })).toContain(ESC);
    expect(await run([], { FORCE_COLOR: '1', NO_COLOR: '1' })).not.toContain(ESC);
    expect(await run(['--no-color'], { FORCE_COLOR: '1' })).not.toContain(ESC);
    // a pipe gets no colours, not even where CI is set (picocolors alone would colour it)
    expect(await run([], { CI: 'true' })).not.toContain(ESC);
  });
});
