import { describe, expect, it } from 'vitest';
import type { SavedSessionSummary } from '../../../shared/ipc/contract.js';
import {
  downloadFile,
  safeDownloadName,
  startDownload,
  type AnchorLike,
  type DownloadEnvironment,
} from '../../../renderer/src/lib/download.js';
import { filterSessions, formatSize } from '../../../renderer/src/features/sessions/sessions-view.js';
import { messageFileName } from '../../../renderer/src/lib/test-server-view.js';
import { connectStoreToEvents, createAppStore } from '../../../renderer/src/store/index.js';
import { event, failed, fakeApi, ok, record } from './fake-api.js';

const summary = (id: string, startedAt: string, patch: Partial<SavedSessionSummary> = {}): SavedSessionSummary => ({
  id,
  operation: 'probe',
  target: '127.0.0.1:25',
  startedAt,
  status: 'ok',
  events: 4,
  bytes: 900,
  ...patch,
});

describe('download helper', () => {
  function fakeEnvironment() {
    const anchors: (AnchorLike & { clicked: number; removed: boolean; attached: boolean })[] = [];
    const blobs: Blob[] = [];
    const revoked: string[] = [];
    const later: (() => void)[] = [];
    const env: DownloadEnvironment = {
      createAnchor: () => {
        const a = {
          href: '',
          download: '',
          rel: '',
          clicked: 0,
          removed: false,
          attached: false,
          click() {
            a.clicked++;
          },
          remove() {
            a.removed = true;
          },
        };
        anchors.push(a);
        return a;
      },
      attach: (a) => {
        (a as (typeof anchors)[number]).attached = true;
      },
      createObjectURL: (blob) => {
        blobs.push(blob);
        return `blob:test/${blobs.length}`;
      },
      revokeObjectURL: (url) => revoked.push(url),
      later: (work) => later.push(work),
    };
    return { env, anchors, blobs, revoked, later };
  }

  it('clicks an <a download> on a Blob URL, then removes it and revokes the URL later', async () => {
    const { env, anchors, blobs, revoked, later } = fakeEnvironment();
    downloadFile({ filename: 'smtp-lens-probe-mx-20250101T000000Z.html', mimeType: 'text/html; charset=utf-8', content: '<p>é</p>' }, env);
    expect(anchors).toHaveLength(1);
    expect(anchors[0]).toMatchObject({
      href: 'blob:test/1',
      download: 'smtp-lens-probe-mx-20250101T000000Z.html',
      rel: 'noopener',
      clicked: 1,
      removed: true,
      attached: true,
    });
    expect(blobs[0]?.type).toBe('text/html; charset=utf-8');
    expect(await blobs[0]?.text()).toBe('<p>é</p>');
    expect(revoked).toEqual([]);
    later.forEach((w) => w());
    expect(revoked).toEqual(['blob:test/1']);
  });

  it('starts a download of a URL the web host streams: no Blob, nothing held by the page', () => {
    const { env, anchors, blobs, later } = fakeEnvironment();
    startDownload('/export/log1.json?token=abc', '../smtp-lens-probe-mx.json', env);
    expect(anchors).toHaveLength(1);
    expect(anchors[0]).toMatchObject({
      href: '/export/log1.json?token=abc',
      download: 'smtp-lens-probe-mx.json',
      rel: 'noopener',
      clicked: 1,
      removed: true,
      attached: true,
    });
    expect(blobs).toEqual([]);
    expect(later).toEqual([]);
  });

  it('offers only safe file names', () => {
    expect(safeDownloadName('../../etc/passwd')).toBe('etc-passwd');
    expect(safeDownloadName('a\r\nb:c*?.txt')).toBe('a-b-c-.txt');
    expect(safeDownloadName('')).toBe('smtp-lens-export.txt');
    expect(safeDownloadName('x'.repeat(300))).toHaveLength(200);
    expect(messageFileName({ id: 'abcdef0123456789xyz', receivedAt: '2025-01-31T14:03:09.123Z' })).toBe(
      'test-server-message-20250131-140309-abcdef0123456789.eml',
    );
  });
});

describe('sessions slice', () => {
  it('lists newest first and filters', async () => {
    const list = [
      summary('a', '2025-01-01T10:00:00.000Z'),
      summary('b', '2025-01-02T10:00:00.000Z', { status: 'failed', errorCode: 'tls-failed', target: 'mx.example.net:465' }),
    ];
    const store = createAppStore(fakeApi({ listSessions: async () => ok(list) }));
    await store.getState().loadSessions();
    expect(store.getState().sessions.list.map((s) => s.id)).toEqual(['b', 'a']);
    expect(filterSessions(store.getState().sessions.list, 'tls').map((s) => s.id)).toEqual(['b']);
    expect(filterSessions(store.getState().sessions.list, 'failed mx.example').map((s) => s.id)).toEqual(['b']);
    expect(filterSessions(store.getState().sessions.list, '  ').map((s) => s.id)).toEqual(['b', 'a']);
    expect(formatSize(900)).toBe('900 B');
    expect(formatSize(2048)).toBe('2.0 KB');
  });

  it('reopen loads the record into the Overview and the Transcript', async () => {
    const saved = record({ events: [event('220 from the log')] });
    const api = fakeApi({ openSession: async () => ok({ record: saved, status: 'ok', damagedLines: 0 }) });
    const store = createAppStore(api);
    expect(await store.getState().reopenSession('log1')).toBe(true);
    expect(api.calls).toEqual([{ method: 'openSession', args: ['log1'] }]);
    expect(store.getState().session).toMatchObject({ record: saved, source: 'history', sessionId: 'log1' });
    expect(store.getState().transcript.buffer.events.map((e) => e.text)).toEqual(['220 from the log']);
    // All of it came at once: nothing is loading, nothing to say.
    expect(store.getState().transcript.load).toBeUndefined();
  });

  it('delete removes the row; a failure is shown with that session', async () => {
    const store = createAppStore(
      fakeApi({ listSessions: async () => ok([summary('a', '2025-01-01T00:00:00Z'), summary('b', '2025-01-02T00:00:00Z')]) }),
    );
    await store.getState().loadSessions();
    expect(await store.getState().deleteSessionLog('a')).toBe(true);
    expect(store.getState().sessions.list.map((s) => s.id)).toEqual(['b']);

    const failing = createAppStore(fakeApi({ deleteSession: async () => failed({ code: 'storage-failed', message: 'EACCES' }) }));
    expect(await failing.getState().deleteSessionLog('a')).toBe(false);
    expect(failing.getState().sessions.actionError).toMatchObject({ id: 'a', action: 'delete', error: { code: 'storage-failed' } });
  });

  it('export asks main to write the file (Electron) or start a download (web host), and says where it went', async () => {
    const api = fakeApi();
    const store = createAppStore(api);
    expect(await store.getState().exportSession('log1', 'html')).toBe(true);
    expect(api.calls).toEqual([{ method: 'exportSessionToFile', args: ['log1', 'html'] }]);
    expect(store.getState().sessions).toMatchObject({ busyId: undefined, notice: 'Exported HTML: /home/u/smtp-lens-log1.html' });

    // The web host: the browser downloads it (the page cannot tell when it is done).
    const web = createAppStore(fakeApi({ exportSessionToFile: async () => ok({ savedTo: 'smtp-lens-probe-x.txt', download: true }) }));
    expect(await web.getState().exportSession('log1', 'txt')).toBe(true);
    expect(web.getState().sessions.notice).toBe('Downloading TXT: smtp-lens-probe-x.txt');

    // Cancelled in the save dialog: nothing to say.
    const cancelled = createAppStore(fakeApi({ exportSessionToFile: async () => ok({ savedTo: null }) }));
    expect(await cancelled.getState().exportSession('log1', 'json')).toBe(false);
    expect(cancelled.getState().sessions).toMatchObject({ busyId: undefined, notice: undefined, actionError: undefined });

    // A failure is shown with that session.
    const failing = createAppStore(
      fakeApi({ exportSessionToFile: async () => failed({ code: 'storage-failed', message: 'could not write /ro/x.json: EACCES' }) }),
    );
    expect(await failing.getState().exportSession('log1', 'json')).toBe(false);
    expect(failing.getState().sessions).toMatchObject({
      busyId: undefined,
      actionError: { id: 'log1', action: 'export', error: { code: 'storage-failed' } },
    });
  });

  it('exports the current session by its id, or says there is none', async () => {
    const api = fakeApi();
    const store = createAppStore(api);
    connectStoreToEvents(store, api);
    expect(await store.getState().exportCurrentSession('txt')).toBe(false);
    expect(store.getState().sessions.actionError?.error.message).toMatch(/no session/);
    store.getState().setConnectionField('host', '127.0.0.1');
    await store.getState().probe();
    expect(await store.getState().exportCurrentSession('txt')).toBe(true);
    expect(api.calls.find((c) => c.method === 'exportSessionToFile')?.args).toEqual(['s1', 'txt']);
  });
});
