/** LiveSession.cancel() (the app's cancel button): a wait under way fails with 'cancelled', promptly, no QUIT. */
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { LiveSession, prepareMessage } from '../../electron/smtp/live-session.js';
import { fakeServer, greetAndEhlo, scriptsOk, sleep, tcp, useFakeServers, wire } from '../helpers/support.js';

useFakeServers();
const LONG = 60_000;

describe('LiveSession.cancel()', () => {
  it('mid-transaction: the step fails with cancelled within moments, the link is dropped, later steps fail', async () => {
    let cancelledAt = 0;
    const server = await fakeServer(async (conn) => {
      await greetAndEhlo(conn, ['PIPELINING']);
      await conn.readUntil('DATA\r\n');
      cancelledAt = performance.now();
      live.cancel();
      await conn.waitClosed();
    });
    const live = new LiveSession(tcp(server, { timeouts: { mail: LONG } }), 'send');
    await live.open();
    const prepared = await prepareMessage({ message: { raw: Buffer.from('From: a@example.org\r\nTo: b@example.org\r\n\r\nx\r\n') } });
    const record = await live.send(prepared);
    expect(performance.now() - cancelledAt).toBeLessThan(500);
    expect(record.result.error?.code).toBe('cancelled');
    expect(live.state).toBe('failed');
    await live.close();
    await scriptsOk(server);
    expect(wire(server.connections[0])).not.toContain('QUIT');
    expect(record.events.some((e) => e.dir === 'error' && e.text === 'cancelled by the caller')).toBe(true);
  });

  it('while connecting: the open step fails with cancelled', async () => {
    // A listener that never accepts (backlog full is hard to arrange); instead cancel before the greeting.
    const server = await fakeServer(async (conn) => {
      await conn.waitClosed();
    });
    const live = new LiveSession(tcp(server, { timeouts: { greeting: LONG } }), 'probe');
    const opening = live.open();
    await sleep(50);
    live.cancel();
    const record = await opening;
    expect(record.result.error?.code).toBe('cancelled');
    await live.close();
  });

  it('cancelled before anything: no connection is made', async () => {
    const server = await fakeServer(async (conn) => {
      await conn.waitClosed();
    });
    const live = new LiveSession(tcp(server), 'probe');
    live.cancel();
    const record = await live.open();
    expect(record.result.error).toMatchObject({ code: 'cancelled', message: 'cancelled before connecting' });
    await sleep(30);
    expect(server.connections).toHaveLength(0);
  });

  it('cancel right after open() was asked: cancelled, before or while connecting', async () => {
    const blackhole = net.createServer();
    await new Promise<void>((resolve) => blackhole.listen(0, '127.0.0.1', resolve));
    const port = (blackhole.address() as net.AddressInfo).port;
    const live = new LiveSession({ host: '127.0.0.1', port, ehloName: 'client.test', timeouts: { greeting: LONG } }, 'probe');
    const opening = live.open();
    live.cancel();
    const record = await opening;
    expect(record.result.error?.code).toBe('cancelled');
    await new Promise<void>((resolve) => blackhole.close(() => resolve()));
  });
});
