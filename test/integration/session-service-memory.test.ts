import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import type { EventMap } from '../../shared/ipc/contract.js';
import { SessionService } from '../../electron/app/api/session-service.js';
import { SessionLogStore } from '../../electron/app/services/session-log-store.js';
import { stubProfiles } from '../helpers/service-stubs.js';
import { startLibraryServer, type LibraryServer } from '../helpers/library-server.js';
import { sessionEvents } from '../helpers/session-events.js';

/**
 * The app's main process (and the web host) stays bounded however many sessions the renderer keeps open: a live
 * session's transcript goes to its log and the renderer, not into main's memory, and a sent message is let go once
 * it is sent. Measured as the heap after a full garbage collection.
 */

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const heapMb = (): number => {
  gc();
  gc();
  return process.memoryUsage().heapUsed / 1e6;
};

let dir: string | undefined;
let server: LibraryServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('main keeps no transcripts and no messages of open sessions', () => {
  it('12 live sessions left open after sending 2 MB each with every body line captured: the heap grows by a few MB', async () => {
    dir = await mkdtemp(join(tmpdir(), 'smtp-lens-memory-'));
    server = await startLibraryServer();
    let emitted = 0;
    const ends = sessionEvents();
    const sessions = new SessionService({
      profiles: stubProfiles(),
      logs: await SessionLogStore.open(dir),
      // Events are counted, not kept (as a renderer that drew them would); only the ends are kept, to wait for.
      emit: <E extends keyof EventMap>(channel: E, payload: EventMap[E]) => {
        emitted++;
        if (channel === 'session-done') ends.emit(channel, payload);
      },
    });
    const connection = {
      host: server.host!,
      port: server.port!,
      protocol: 'smtp',
      tls: 'off',
      verify: true,
      captureData: true,
      allowPlaintextAuth: false,
    } as const;
    const text = `${'x'.repeat(70)}\n`.repeat(30_000);
    const before = heapMb();
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      const { sessionId } = await sessions.open({ connection, operation: 'send' } as Parameters<SessionService['open']>[0]);
      const opened = await ends.done(sessionId);
      expect(opened).toMatchObject({ open: true, record: { result: { ok: true }, events: [] } });
      const sent = await sessions.send({
        sessionId,
        message: {
          from: 'a@example.org',
          to: ['b@example.org'],
          cc: [],
          bcc: [],
          replyTo: [],
          subject: 'big',
          text,
          headers: [],
          attachments: [],
          utf8Headers: false,
          smtpUtf8: false,
          bdat: 'auto',
          forceParams: false,
          prdr: false,
        },
      } as Parameters<SessionService['send']>[0]);
      expect(sent.result).toMatchObject({ ok: true, verdict: 'delivered' });
      // The step's answer carries no transcript: it was streamed.
      expect(sent.events).toEqual([]);
      ids.push(sessionId);
    }
    const grown = heapMb() - before;
    // Each session captured ~30,000 lines (2 MB of text) and sent a 2 MB message: kept, that would be ~50 MB.
    expect(grown).toBeLessThan(12);
    expect(emitted).toBeGreaterThan(12 * 30);
    for (const sessionId of ids) await sessions.close({ sessionId });
    sessions.dispose();
  }, 60_000);
});
