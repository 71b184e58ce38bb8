import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { REQUEST_CHANNELS, REQUEST_SCHEMAS, type RequestChannel } from '../../shared/ipc/schemas.js';
import type { SessionRecord } from '../../shared/session-record.js';
import type { EventMap } from '../../shared/ipc/contract.js';
import { formatHtmlReport, escapeHtml } from '../../shared/report-html.js';
import { dispatch } from '../../electron/app/api/dispatch.js';
import type { Handlers } from '../../electron/app/api/handlers.js';
import { exportFilename, exportRecord } from '../../electron/app/services/session-export.js';
import { SessionService, scrubSecret, toSessionOptions } from '../../electron/app/api/session-service.js';
import { AppError } from '../../electron/app/services/app-error.js';
import { stubLogs, stubProfiles } from '../helpers/service-stubs.js';
import { SmtpError } from '../../electron/smtp/errors.js';

/** Handlers that fail loudly unless a test provides the one it calls. */
function handlers(overrides: Partial<Handlers> = {}): Handlers {
  const all = Object.fromEntries(
    REQUEST_CHANNELS.map((channel) => [
      channel,
      async () => {
        throw new Error(`handler ${channel} should not have been called`);
      },
    ]),
  ) as unknown as Handlers;
  return { ...all, ...overrides };
}

const parse = <C extends RequestChannel>(channel: C, value: unknown) => REQUEST_SCHEMAS[channel].safeParse(value);
const connection = { host: 'mail.example.net', port: 587 };

afterEach(() => {
  vi.restoreAllMocks();
});

describe('request schemas', () => {
  it('accept a plain request and fill in defaults', () => {
    const result = REQUEST_SCHEMAS['session.open'].safeParse({ connection });
    expect(result.success).toBe(true);
    expect(result.data?.connection).toMatchObject({ protocol: 'smtp', tls: 'off', verify: true, allowPlaintextAuth: false });
  });

  it('session.run needs what its operation needs, and nothing else', () => {
    expect(parse('session.run', { operation: 'probe', connection }).success).toBe(true);
    expect(parse('session.run', { operation: 'send', connection }).error?.issues.map((i) => i.path.join('.'))).toEqual(['message']);
    expect(parse('session.run', { operation: 'send', connection, message: { from: 'a@b', to: ['c@d'] } }).success).toBe(true);
    expect(parse('session.run', { operation: 'verify', connection }).success).toBe(false);
    expect(parse('session.run', { operation: 'verify', connection, address: 'postmaster' }).data).toMatchObject({ expand: false });
    expect(parse('session.run', { operation: 'raw', connection, commands: [] }).success).toBe(false);
    expect(parse('session.run', { operation: 'raw', connection, commands: ['NOOP\r\nRSET'] }).success).toBe(false);
    expect(parse('session.run', { operation: 'explode', connection }).success).toBe(false);
    expect(parse('session.run', { operation: 'probe', connection, sessionId: 'mine' }).success).toBe(false);
  });

  it('reject wrong types', () => {
    expect(parse('session.open', { connection: { host: 'h', port: '25' } }).success).toBe(false);
    expect(parse('session.open', { connection: { host: 42 } }).success).toBe(false);
    expect(parse('session.open', { connection: { host: 'h', port: 70000 } }).success).toBe(false);
    expect(parse('session.open', { connection: { host: 'h', port: 25.5 } }).success).toBe(false);
    expect(parse('session.open', { connection: { host: 'h', tls: 'sometimes' } }).success).toBe(false);
    expect(parse('session.verify', { sessionId: 'abc', address: 'a@b', expand: 'yes' }).success).toBe(false);
    expect(parse('session.open', null).success).toBe(false);
    expect(parse('session.open', 'connect please').success).toBe(false);
    expect(parse('sessions.exportToFile', { id: 'abc', format: 'pdf' }).success).toBe(false);
  });

  it.each([
    ['CR', '\r'],
    ['LF', '\n'],
    ['NUL', '\0'],
  ])('reject %s in every field that goes on the wire', (_name, c) => {
    expect(parse('session.open', { connection: { host: `mail${c}.example.net` } }).success).toBe(false);
    expect(parse('session.open', { connection: { ...connection, ehloName: `client${c}RSET` } }).success).toBe(false);
    expect(parse('session.raw', { sessionId: 'abc', command: `NOOP${c}RSET` }).success).toBe(false);
    expect(parse('session.verify', { sessionId: 'abc', address: `a@b${c}` }).success).toBe(false);
    expect(parse('session.authenticate', { sessionId: 'abc', auth: { user: `alice${c}`, secret: 'x' } }).success).toBe(false);
    const message = { from: 'a@example.net', to: ['b@example.org'] };
    expect(parse('session.send', { sessionId: 'abc', message: { ...message, from: `a@example.net${c}` } }).success).toBe(false);
    expect(parse('session.send', { sessionId: 'abc', message: { ...message, to: [`b@example.org${c}`] } }).success).toBe(false);
    expect(parse('session.send', { sessionId: 'abc', message: { ...message, subject: `hi${c}Bcc: x@y` } }).success).toBe(false);
    expect(
      parse('session.send', { sessionId: 'abc', message: { ...message, headers: [{ name: 'X-Test', value: `v${c}Bcc: x@y` }] } }).success,
    ).toBe(false);
    expect(parse('session.send', { sessionId: 'abc', message: { ...message, envelopeTo: [`x@y${c}`] } }).success).toBe(false);
  });

  it('reject oversized strings and lists', () => {
    expect(parse('session.open', { connection: { host: 'a'.repeat(256) } }).success).toBe(false);
    expect(parse('session.raw', { sessionId: 'abc', command: 'X'.repeat(2049) }).success).toBe(false);
    expect(parse('session.authenticate', { sessionId: 'abc', auth: { user: 'u', secret: 's'.repeat(16 * 1024 + 1) } }).success).toBe(false);
    expect(parse('profiles.save', { profile: { name: 'n'.repeat(201), connection } }).success).toBe(false);
    expect(parse('session.send', { sessionId: 'abc', message: { from: 'a@b', to: Array(1001).fill('b@c') } }).success).toBe(false);
    expect(parse('session.open', { connection: { ...connection, caPem: 'x'.repeat(256 * 1024 + 1) } }).success).toBe(false);
  });

  it('reject unknown keys at every level (strict)', () => {
    expect(parse('session.open', { connection, extra: 1 }).success).toBe(false);
    expect(parse('session.open', { connection: { ...connection, rejectUnauthorized: false } }).success).toBe(false);
    expect(parse('session.authenticate', { sessionId: 'abc', auth: { user: 'u', secret: 's', password: 'p' } }).success).toBe(false);
    expect(parse('app.info', { anything: true }).success).toBe(false);
    expect(
      parse('session.send', { sessionId: 'abc', message: { from: 'a@b', to: ['c@d'], attachments: [{ path: '/x', mode: 1 }] } }).success,
    ).toBe(false);
  });

  it('reject relative socket paths, and both or neither of host and socket', () => {
    expect(parse('session.open', { connection: { socketPath: 'run/lmtp.sock' } }).success).toBe(false);
    expect(parse('session.open', { connection: { socketPath: '../lmtp.sock' } }).success).toBe(false);
    expect(parse('session.open', { connection: { socketPath: '/run/dovecot/lmtp', protocol: 'lmtp' } }).success).toBe(true);
    expect(parse('session.open', { connection: { host: 'h', socketPath: '/run/x' } }).success).toBe(false);
    expect(parse('session.open', { connection: {} }).success).toBe(false);
  });

  it('reject ids that are not plain ids (no path tricks)', () => {
    for (const id of ['../etc/passwd', 'a/b', '', 'x'.repeat(65), 'a b', 'a.b']) {
      expect(parse('sessions.open', { id }).success).toBe(false);
      expect(parse('session.close', { sessionId: id }).success).toBe(false);
    }
    expect(parse('sessions.open', { id: '20240501T120000123Z-1a2b3c4d5e6f' }).success).toBe(true);
  });

  it('reject attachments that are not base64', () => {
    const message = { from: 'a@b', to: ['c@d'], attachments: [{ filename: 'x.txt', contentBase64: 'not base64!' }] };
    expect(parse('session.send', { sessionId: 'abc', message }).success).toBe(false);
  });
});

describe('dispatch', () => {
  it('refuses an unknown channel', async () => {
    for (const channel of ['session.explode', '__proto__', 'toString', 'constructor', 42, null, undefined]) {
      const result = await dispatch(handlers(), channel, {});
      expect(result.ok).toBe(false);
      if (!result.ok) {
        expect(result.error.code).toBe('invalid-input');
        expect(result.error.message).toMatch(/^unknown channel/);
      }
    }
  });

  it('answers invalid input with the issues, and never calls the handler', async () => {
    const probe = vi.fn(async () => {
      throw new Error('not reached');
    });
    const result = await dispatch(handlers({ 'session.run': probe }), 'session.run', {
      operation: 'probe',
      connection: { host: 'mx\r\n.example', port: 'x' },
    });
    expect(probe).not.toHaveBeenCalled();
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('invalid-input');
    const paths = result.error.issues?.map((i) => i.path) ?? [];
    expect(paths).toContain('connection.host');
    expect(paths).toContain('connection.port');
    for (const issue of result.error.issues ?? []) expect(typeof issue.message).toBe('string');
  });

  it('passes the parsed request (defaults filled in) and wraps the value', async () => {
    const raw = vi.fn(async (request: { sessionId: string; command: string }) => {
      expect(request).toEqual({ sessionId: 'abc', command: 'NOOP' });
      return { answered: true } as unknown as SessionRecord;
    });
    const result = await dispatch(handlers({ 'session.raw': raw }), 'session.raw', { sessionId: 'abc', command: 'NOOP' });
    expect(result).toEqual({ ok: true, value: { answered: true } });
    // A channel without arguments accepts a missing payload.
    const info = await dispatch(
      handlers({ 'app.info': async () => ({ version: '1', host: 'web', secretStorage: { available: false }, dataDirectory: '/d' }) }),
      'app.info',
      undefined,
    );
    expect(info.ok).toBe(true);
  });

  it('delivers an engine error typed, with its reply code and enhanced code', async () => {
    const error = new SmtpError('auth-failed', 'authentication failed: 535 5.7.8 bad credentials', {
      reply: { code: 535, enhancedCode: '5.7.8', text: 'bad credentials', lines: [], bareLf: false, quirks: undefined, at: -1 },
      command: 'AUTH PLAIN',
    });
    const result = await dispatch(
      handlers({
        'session.raw': async () => {
          throw error;
        },
      }),
      'session.raw',
      { sessionId: 'abc', command: 'AUTH PLAIN' },
    );
    expect(result).toEqual({
      ok: false,
      error: {
        code: 'auth-failed',
        message: 'authentication failed: 535 5.7.8 bad credentials',
        replyCode: 535,
        enhancedCode: '5.7.8',
        replyText: 'bad credentials',
        command: 'AUTH PLAIN',
      },
    });
  });

  it('delivers an application error with its code', async () => {
    const result = await dispatch(
      handlers({
        'sessions.open': async () => {
          throw new AppError('not-found', 'no session log abc');
        },
      }),
      'sessions.open',
      { id: 'abc' },
    );
    expect(result).toEqual({ ok: false, error: { code: 'not-found', message: 'no session log abc' } });
  });

  it('turns an unexpected error into "internal" without its message or stack', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const result = await dispatch(
      handlers({
        'profiles.list': async () => {
          throw new TypeError('cannot read properties of undefined (reading "secretCiphertext") at /home/me/app.js:12');
        },
      }),
      'profiles.list',
      {},
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('internal');
    const text = JSON.stringify(result);
    expect(text).not.toContain('secretCiphertext');
    expect(text).not.toContain('app.js');
    expect(text).not.toContain('    at ');
    expect(Object.keys(result.error).sort()).toEqual(['code', 'message']);
    // The details go to main's log instead.
    expect(logged).toHaveBeenCalled();
    expect(String(logged.mock.calls[0]?.join(' '))).toContain('secretCiphertext');
  });

  it('never throws, even when a handler throws a non-Error', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const result = await dispatch(
      handlers({
        'testServer.status': async () => {
          throw 'a string';
        },
      }),
      'testServer.status',
      {},
    );
    expect(result).toMatchObject({ ok: false, error: { code: 'internal' } });
  });
});

describe('the session service at the boundary', () => {
  it('maps connection settings to engine options (seconds to ms, TLS options)', () => {
    const options = toSessionOptions({
      protocol: 'lmtp',
      host: 'mx.example.net',
      port: 24,
      tls: 'starttls',
      verify: false,
      caPem: 'CA',
      servername: 'name.example',
      minVersion: 'TLSv1.2',
      maxVersion: 'TLSv1.3',
      ciphers: 'HIGH',
      clientCertPem: 'CERT',
      clientKeyPem: 'KEY',
      ehloName: 'client.example',
      timeoutSeconds: 2.5,
      deadlineSeconds: 60,
      allowPlaintextAuth: true,
      captureData: true,
    });
    expect(options).toMatchObject({
      protocol: 'lmtp',
      host: 'mx.example.net',
      port: 24,
      tls: 'starttls',
      ehloName: 'client.example',
      timeouts: 2500,
      deadlineMs: 60_000,
      allowPlaintextAuth: true,
      captureData: true,
      tlsOptions: {
        verify: false,
        ca: 'CA',
        servername: 'name.example',
        minVersion: 'TLSv1.2',
        maxVersion: 'TLSv1.3',
        ciphers: 'HIGH',
        cert: 'CERT',
        key: 'KEY',
      },
    });
    expect(() =>
      toSessionOptions({
        protocol: 'smtp',
        host: 'h',
        tls: 'off',
        verify: true,
        clientKeyPem: 'KEY',
        allowPlaintextAuth: false,
        captureData: false,
      }),
    ).toThrow(SmtpError);
  });

  /** A session service whose events are kept, and a way to wait for a session's end. */
  const serviceWithEvents = (profiles = stubProfiles()) => {
    const emitted: { channel: string; payload: { sessionId?: string } }[] = [];
    const waiters = new Map<string, (payload: EventMap['session-done']) => void>();
    const sessions = new SessionService({
      profiles,
      logs: stubLogs(),
      emit: (channel, payload) => {
        emitted.push({ channel, payload: payload as { sessionId?: string } });
        if (channel === 'session-done') waiters.get((payload as EventMap['session-done']).sessionId)?.(payload as EventMap['session-done']);
      },
    });
    const done = (sessionId: string) => new Promise<EventMap['session-done']>((resolve) => waiters.set(sessionId, resolve));
    return { sessions, emitted, done };
  };

  it('refuses an attachment path that was not picked in a dialog (forbidden) before any session exists', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const { sessions, done } = serviceWithEvents();
    const h = handlers({
      'session.run': (request) => sessions.run(request),
      'session.send': (request) => sessions.send(request),
    });
    const missing = await dispatch(h, 'session.send', { sessionId: 'nope', message: { from: 'a@b.example', to: ['c@d.example'] } });
    expect(missing).toMatchObject({ ok: false, error: { code: 'not-found' } });

    const dir = await mkdtemp(join(tmpdir(), 'smtp-lens-contract-'));
    const file = join(dir, 'report.txt');
    await writeFile(file, 'attached\n');
    const message = { from: 'a@b.example', to: ['c@d.example'], attachments: [{ path: file }] };
    // Nothing listens on port 1.
    const connection = { host: '127.0.0.1', port: 1, timeoutSeconds: 2 };
    const refused = await dispatch(h, 'session.run', { operation: 'send', connection, message });
    expect(refused).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    const sneaky = await dispatch(h, 'session.run', {
      operation: 'send',
      connection,
      message: { ...message, attachments: [{ path: `${dir}/../${dir.split('/').pop()}/report.txt` }] },
    });
    expect(sneaky).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(sessions.openSessionIds).toEqual([]);

    sessions.allowPath(file);
    const allowed = await dispatch(h, 'session.run', { operation: 'send', connection, message });
    // Past the check: answered with the id; the session itself fails to connect.
    expect(allowed.ok).toBe(true);
    if (!allowed.ok) return;
    const { sessionId } = allowed.value as { sessionId: string };
    expect(sessionId).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
    const end = await done(sessionId);
    expect(end).toMatchObject({ open: false, record: { events: [], result: { ok: false, error: { code: 'connect-failed' } } } });
    expect(sessions.openSessionIds).toEqual([]);
    await rm(dir, { recursive: true, force: true });
    sessions.dispose();
  });

  it('asks the profile store for a stored secret, and says so (before connecting) when there is none', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const { sessions, done, emitted } = serviceWithEvents(stubProfiles(undefined));
    const h = handlers({ 'session.run': (request) => sessions.run(request) });
    const result = await dispatch(h, 'session.run', {
      operation: 'probe',
      connection: { host: '127.0.0.1', port: 9 },
      auth: { user: 'alice', profileId: 'p1' },
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const id = (result.value as { sessionId: string }).sessionId;
    const end = await done(id);
    expect(end.record.result.error).toMatchObject({
      code: 'invalid-input',
      stage: 'auth',
      message: expect.stringMatching(/no secret is stored/),
    });
    // Nothing connected: no greeting, no connect stage.
    expect(end.record.greeting).toBeUndefined();
    expect(emitted.some((e) => e.channel === 'progress' && (e.payload as { stage?: { name: string } }).stage?.name === 'connect')).toBe(
      false,
    );

    const noSecret = await dispatch(h, 'session.run', {
      operation: 'probe',
      connection: { host: '127.0.0.1', port: 9 },
      auth: { user: 'alice' },
    });
    expect(noSecret.ok).toBe(true);
    if (noSecret.ok)
      expect((await done((noSecret.value as { sessionId: string }).sessionId)).record.result.error?.code).toBe('invalid-input');
    sessions.dispose();
  });

  it('scrubs a secret that reached a record', () => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const record = { events: [{ text: 'AUTH PLAIN hunter2-secret' }] } as unknown as SessionRecord;
    expect(JSON.stringify(scrubSecret(record, 'hunter2-secret'))).not.toContain('hunter2-secret');
    expect(scrubSecret(record, undefined)).toBe(record);
  });
});

describe('exports', () => {
  const record: SessionRecord = {
    version: 1,
    tool: 'smtp-lens',
    operation: 'probe',
    startedAt: '2024-05-01T12:00:00.123Z',
    durationMs: 12.5,
    target: { protocol: 'smtp', tls: 'starttls', host: 'mx.<evil>.example', port: 25, ehloName: 'client.example' },
    greeting: { code: 220, text: 'mx ESMTP <script>alert(1)</script>' },
    helloVerb: 'EHLO',
    capabilities: [
      { name: 'STARTTLS', params: [] },
      { name: 'AUTH', params: ['PLAIN', '"><img src=x onerror=alert(1)>'] },
    ],
    events: [
      { t: 0, wall: 1714564800123, dir: 'recv', tls: false, text: '220 mx ESMTP <script>alert(1)</script>' },
      { t: 1000, wall: 1714564800124, dir: 'send', tls: false, text: 'EHLO client.example' },
      { t: 2000, wall: 1714564800125, dir: 'send', tls: true, text: 'AUTH PLAIN <redacted 20 bytes>', redacted: true },
    ],
    result: { ok: true },
  };

  it('names files safely', () => {
    expect(exportFilename(record, 'txt')).toBe('smtp-lens-probe-mx.-evil-.example-2024-05-01T120000Z.txt');
    const socket = {
      ...record,
      target: { protocol: 'lmtp' as const, tls: 'off' as const, socketPath: '/run/dovecot/lmtp', ehloName: 'x' },
    };
    expect(exportFilename(socket, 'json')).toBe('smtp-lens-probe-lmtp-2024-05-01T120000Z.json');
    const hostile = { ...record, target: { ...record.target, host: '../../etc/passwd' } };
    expect(exportFilename(hostile, 'html')).toMatch(/^smtp-lens-probe-[A-Za-z0-9._-]+\.html$/);
    expect(exportFilename(hostile, 'html')).not.toContain('..');
    expect(exportFilename(hostile, 'html')).not.toContain('/');
  });

  it('exports json, txt and html', () => {
    const json = exportRecord(record, 'json');
    expect(json.mimeType).toBe('application/json');
    expect(JSON.parse(json.content)).toEqual(record);
    const txt = exportRecord(record, 'txt');
    expect(txt.content).toContain("send: 'EHLO client.example\\r\\n'");
    const html = exportRecord(record, 'html');
    expect(html.mimeType).toMatch(/^text\/html/);
    expect(html.filename.endsWith('.html')).toBe(true);
  });

  it('makes a self-contained HTML report with every text escaped and no script', () => {
    const html = formatHtmlReport(record);
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&quot;&gt;&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('<style>');
    expect(html).not.toMatch(/<link|src="http|href="http/i);
    expect(html).toContain('STARTTLS');
    expect(html).toContain('AUTH PLAIN &lt;redacted 20 bytes&gt;');
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});
