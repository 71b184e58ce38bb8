import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessagePreview, Result } from '../../shared/ipc/contract.js';
import { REQUEST_SCHEMAS } from '../../shared/ipc/schemas.js';
import { dispatch } from '../../electron/app/api/dispatch.js';
import { PREVIEW_LIMIT, createHandlers, previewMessage, readHead, type Handlers } from '../../electron/app/api/handlers.js';
import { SessionService } from '../../electron/app/api/session-service.js';
import type { OutsideReports } from '../../electron/app/api/outside-reports.js';
import type { SecretStore, TestServerApi } from '../../electron/app/services/types.js';
import { stubLogs, stubProfiles } from '../helpers/service-stubs.js';
import type { MessageSource } from '../../electron/smtp/message/message-source.js';

/** `message.preview` through the real dispatcher and handlers: the composer runs, nothing is sent anywhere. */

const profiles = stubProfiles();
const logs = stubLogs();

let sessions: SessionService;
let handlers: Handlers;
let dir: string;

beforeAll(async () => {
  sessions = new SessionService({ profiles, logs, emit: () => undefined });
  handlers = createHandlers({
    sessions,
    profiles,
    logs,
    testServer: {} as TestServerApi,
    reports: {} as OutsideReports,
    secrets: { available: false } as SecretStore,
    appInfo: () => ({ version: '0', host: 'web', secretStorage: { available: false }, dataDirectory: '/tmp' }),
  });
  dir = await mkdtemp(join(tmpdir(), 'smtp-lens-preview-'));
});

afterAll(async () => {
  sessions.dispose();
  await rm(dir, { recursive: true, force: true });
});

const preview = (message: unknown) => dispatch(handlers, 'message.preview', { message }) as Promise<Result<MessagePreview>>;

const valueOf = (result: Result<MessagePreview>): MessagePreview => {
  if (!result.ok) throw new Error(`preview failed: ${JSON.stringify(result.error)}`);
  return result.value;
};

/** The header block of a raw message, unfolded, as lower-case name → values. */
function headerNames(raw: string): string[] {
  const head = raw.split('\r\n\r\n')[0] ?? '';
  return head
    .split('\r\n')
    .filter((line) => /^[^\s:]+:/.test(line))
    .map((line) => line.slice(0, line.indexOf(':')).toLowerCase());
}

describe('message.preview', () => {
  it('is a channel with its own schema', () => {
    expect(REQUEST_SCHEMAS['message.preview'].safeParse({ message: { from: 'a@b.example', to: ['c@d.example'] } }).success).toBe(true);
  });

  it('refuses bad input before composing: CR/LF, unknown keys, missing fields, wrong types', async () => {
    const base = { from: 'ann@example.net', to: ['bob@example.org'] };
    for (const message of [
      { ...base, subject: 'hi\r\nBcc: eve@example.com' },
      { ...base, from: 'ann@example.net\n' },
      { ...base, to: ['bob@example.org\r\nRCPT TO:<eve@example.com>'] },
      { ...base, headers: [{ name: 'X-Test', value: 'a\nb' }] },
      { ...base, envelopeTo: ['x@y\r'] },
      { ...base, dsn: { notify: ['SOMETIMES'] } },
      { ...base, bdat: 'maybe' },
      { ...base, extra: true },
      { to: ['bob@example.org'] },
      { ...base, attachments: [{ filename: 'a.txt', contentBase64: 'not base64!' }] },
    ]) {
      const result = await preview(message);
      expect(result.ok, JSON.stringify(message)).toBe(false);
      if (!result.ok) expect(result.error.code).toBe('invalid-input');
    }
    expect(await dispatch(handlers, 'message.preview', { message: { ...base }, sessionId: 'x' })).toMatchObject({ ok: false });
  });

  it('refuses what the composer refuses: a header it owns, no recipients, an unparsable address', async () => {
    const bcc = await preview({ from: 'ann@example.net', to: ['bob@example.org'], headers: [{ name: 'Bcc', value: 'eve@example.com' }] });
    expect(bcc).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
    if (!bcc.ok) expect(bcc.error.message).toMatch(/Bcc cannot be given as an extra header/);

    const nobody = await preview({ from: 'ann@example.net' });
    expect(nobody).toMatchObject({ ok: false, error: { code: 'invalid-input', message: 'no recipients' } });

    const bad = await preview({ from: 'Ann Example', to: ['bob@example.org'] });
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
  });

  it('answers with the envelope (Bcc included) and the raw message (Bcc never in it)', async () => {
    const value = valueOf(
      await preview({
        from: 'Ann Example <ann@example.net>',
        to: ['Bob <bob@example.org>'],
        cc: ['carol@example.org'],
        bcc: ['hidden@example.com', 'bob@example.org'],
        replyTo: ['replies@example.net'],
        subject: 'Preview test',
        text: 'Hello.\n',
        headers: [{ name: 'X-Test', value: 'yes' }],
      }),
    );
    expect(value.envelopeFrom).toBe('ann@example.net');
    expect(value.envelopeTo).toEqual(['bob@example.org', 'carol@example.org', 'hidden@example.com']);
    expect(value.raw).not.toContain('hidden@example.com');
    expect(headerNames(value.raw)).not.toContain('bcc');
    expect(headerNames(value.raw)).toEqual(
      expect.arrayContaining(['from', 'to', 'cc', 'reply-to', 'subject', 'x-test', 'date', 'message-id', 'mime-version']),
    );
    expect(value.raw).toContain('Subject: Preview test\r\n');
    expect(value.raw).toContain('X-Test: yes\r\n');
    expect(value.messageId).toMatch(/^<[^<>\s]+@example\.net>$/);
    expect(value.raw).toContain(`Message-ID: ${value.messageId}`);
    expect(value.truncated).toBe(false);
    expect(value.size).toBe(Buffer.byteLength(value.raw, 'utf8'));
    expect(value).toMatchObject({ needsSmtpUtf8: false, eightBit: false });
  });

  it('applies an envelope override, including the null sender', async () => {
    const value = valueOf(
      await preview({
        from: 'ann@example.net',
        to: ['bob@example.org'],
        bcc: ['hidden@example.com'],
        envelopeFrom: '',
        envelopeTo: ['other@example.org'],
      }),
    );
    expect(value.envelopeFrom).toBe('');
    expect(value.envelopeTo).toEqual(['other@example.org']);
    expect(value.raw).not.toContain('hidden@example.com');
  });

  it('says when SMTPUTF8 and 8BITMIME are needed', async () => {
    const headers = valueOf(await preview({ from: 'ann@example.net', to: ['bob@example.org'], subject: 'Grüße', utf8Headers: true }));
    expect(headers).toMatchObject({ needsSmtpUtf8: true, eightBit: true });
    expect(headers.raw).toContain('Subject: Grüße\r\n');

    const encoded = valueOf(await preview({ from: 'ann@example.net', to: ['bob@example.org'], subject: 'Grüße' }));
    expect(encoded).toMatchObject({ needsSmtpUtf8: false, eightBit: false });
    expect(encoded.raw).toMatch(/Subject: =\?UTF-8\?/);

    const address = valueOf(await preview({ from: 'ann@example.net', to: ['bob@example.org'], envelopeTo: ['jörg@example.org'] }));
    expect(address.needsSmtpUtf8).toBe(true);
  });

  it('returns only the first 256 KB of a big message, and its full size', async () => {
    const text = 'x'.repeat(70) + '\n';
    const value = valueOf(await preview({ from: 'ann@example.net', to: ['bob@example.org'], text: text.repeat(8000) }));
    expect(value.truncated).toBe(true);
    expect(Buffer.byteLength(value.raw, 'utf8')).toBe(PREVIEW_LIMIT);
    expect(value.size).toBeGreaterThan(PREVIEW_LIMIT);
  });

  it('includes base64 attachments, and path attachments only when picked in a dialog', async () => {
    const inline = valueOf(
      await preview({
        from: 'ann@example.net',
        to: ['bob@example.org'],
        attachments: [{ filename: 'hello.txt', contentType: 'text/plain', contentBase64: Buffer.from('hello').toString('base64') }],
      }),
    );
    expect(inline.raw).toMatch(/filename=hello\.txt/);

    const file = join(dir, 'report.txt');
    await writeFile(file, 'report\n');
    const message = { from: 'ann@example.net', to: ['bob@example.org'], attachments: [{ path: file }] };
    expect(await preview(message)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    sessions.allowPath(file);
    expect(valueOf(await preview(message)).raw).toMatch(/filename=report\.txt/);
  });
});

describe('reading the head of a message', () => {
  it('stops reading once it has the limit', async () => {
    let pulled = 0;
    const source: MessageSource = {
      size: undefined,
      eightBit: undefined,
      async *open() {
        for (let i = 0; i < 100; i++) {
          pulled++;
          yield Buffer.alloc(1000, 0x61);
        }
      },
    };
    const { head, truncated } = await readHead(source, 2500);
    expect(head.length).toBe(2500);
    expect(truncated).toBe(true);
    expect(pulled).toBe(3);

    const exact = await readHead(source, 100_000);
    expect(exact).toMatchObject({ truncated: false });
    expect(exact.head.length).toBe(100_000);
  });

  it('never cuts a UTF-8 character in two', async () => {
    // Lines of 300 euro signs (900 octets, under SMTP's 998), so the cut falls anywhere inside a character.
    const body = Buffer.from(('€'.repeat(300) + '\r\n').repeat(340), 'utf8');
    const raw = Buffer.concat([Buffer.from('From: ann@example.net\r\nTo: bob@example.org\r\nSubject: euro\r\n\r\n'), body]);
    const value = await previewMessage(
      { messageRequest: () => ({ message: { message: { raw } }, options: {} }) },
      // The fake ignores the request.
      {} as Parameters<typeof previewMessage>[1],
    );
    expect(value.truncated).toBe(true);
    expect(value.raw).not.toContain('\uFFFD');
    const bytes = Buffer.byteLength(value.raw, 'utf8');
    expect(bytes).toBeLessThanOrEqual(PREVIEW_LIMIT);
    expect(bytes).toBeGreaterThan(PREVIEW_LIMIT - 3);
    expect(value.eightBit).toBe(true);
    expect(value.envelopeTo).toEqual(['bob@example.org']);
  });
});
