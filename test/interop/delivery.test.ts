/**
 * Messages delivered through each path arrive byte for byte as the engine composed them, below the
 * trace fields the servers add (Received, Return-Path, Delivered-To):
 *   postfix (SMTP, STARTTLS) → dovecot LMTP → Maildir;  dovecot LMTP directly over its Unix socket;
 *   exim (SMTP, STARTTLS) → its own Maildir.
 * Each with DATA (dot-stuffing) and BDAT (CHUNKING, which all three offer), for lines that start with a
 * dot, a line that is only a dot, 998-octet lines, raw UTF-8 headers (SMTPUTF8 where offered) and a
 * 10 MB attachment.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { SessionOptions } from '../../electron/smtp/session.js';
import type { InteropEnv } from './servers.js';
import { ALICE, EXIM_ALICE } from './fixtures.js';
import { connection, describeInterop, engineSend, expectStoredAsSent, uniqueId, waitForDelivery, type Endpoint } from './support.js';

interface Path {
  name: string;
  which: Endpoint;
  to: string;
  maildir: (env: InteropEnv) => string;
  /** Where a message that needs SMTPUTF8 goes from this entry point, if it offers SMTPUTF8. */
  utf8?: { name: string; to: string; maildir: (env: InteropEnv) => string };
}

const eximMaildir = (env: InteropEnv): string => join(env.exim.mailRoot, 'alice', 'Maildir');

const PATHS: Path[] = [
  {
    name: 'postfix → dovecot LMTP → Maildir',
    which: 'postfix-smtp',
    to: ALICE.address,
    maildir: (env) => join(env.dovecot.mailRoot, ALICE.address, 'Maildir'),
    // Dovecot's LMTP does not offer SMTPUTF8, so postfix would bounce such a message there (5.6.7,
    // "SMTPUTF8 is required, but was not offered"); postfix relays it to exim instead, which offers it.
    utf8: { name: 'postfix → exim (relayed) → Maildir', to: EXIM_ALICE, maildir: eximMaildir },
  },
  {
    name: 'dovecot LMTP (Unix socket) → Maildir',
    which: 'dovecot-lmtp-unix',
    to: ALICE.address,
    maildir: (env) => join(env.dovecot.mailRoot, ALICE.address, 'Maildir'),
  },
  {
    name: 'exim → Maildir',
    which: 'exim-smtp',
    to: EXIM_ALICE,
    maildir: eximMaildir,
    utf8: { name: 'exim → Maildir', to: EXIM_ALICE, maildir: eximMaildir },
  },
];

const CRLF = '\r\n';
const LONG = 'x'.repeat(998);

/** A message whose body exercises dot-stuffing and line limits; ASCII only (7bit). */
function trickyMessage(messageId: string, to: string): Buffer {
  const headers = [
    'From: "SMTP Lens interop" <sender@example.net>',
    `To: <${to}>`,
    'Subject: dots, a lone dot, and long lines',
    // A long header, folded: the continuation lines must survive as they are.
    'X-Folded: one two three four five six seven eight nine ten eleven twelve thirteen fourteen',
    '\tfifteen sixteen seventeen eighteen nineteen twenty',
    '  twenty-one (continued with spaces)',
    'Date: Sun, 22 Nov 2026 10:00:00 +0000',
    `Message-ID: ${messageId}`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=us-ascii',
    'Content-Transfer-Encoding: 7bit',
  ];
  const body = [
    'first line',
    '.a line that starts with a dot',
    '..two dots',
    '.',
    ' .',
    '...',
    '',
    '',
    LONG,
    '.' + 'y'.repeat(997),
    'trailing spaces   ',
    '\ttab-indented',
    'a line with a lone CR-free end',
    '.',
  ];
  return Buffer.from(headers.join(CRLF) + CRLF + CRLF + body.join(CRLF) + CRLF, 'utf8');
}

/** Raw UTF-8 in headers (RFC 6532) and an 8-bit UTF-8 body. */
function utf8Message(messageId: string, to: string): Buffer {
  const text = [
    'From: Jürgen Müller <sender@example.net>',
    `To: Ålice <${to}>`,
    'Subject: Grüße aus Köln ✉ — 日本語のテスト',
    'Date: Sun, 22 Nov 2026 10:00:00 +0000',
    `Message-ID: ${messageId}`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    '',
    'Grüße! Ça va? Ελληνικά, русский, 中文, emoji 🎉',
    '.ünd ein Punkt am Anfang',
    '',
  ].join(CRLF);
  return Buffer.from(text, 'utf8');
}

describeInterop('delivery: what arrives is what was sent', (env) => {
  let workDir: string;
  let bigFile: string;

  beforeAll(async () => {
    workDir = await mkdtemp(join(env.root, 'data-'));
    bigFile = join(workDir, 'ten-megabytes.bin');
    await writeFile(bigFile, randomBytes(10 * 1024 * 1024));
  });
  afterAll(async () => {
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  const conn = (path: Path): SessionOptions => connection(env, path.which);

  for (const path of PATHS) {
    for (const method of ['DATA', 'BDAT'] as const) {
      it(`${path.name}, ${method}: dot-stuffed lines, a lone dot, 998-octet lines, folded headers`, async () => {
        const id = uniqueId(`tricky-${method}`);
        const { record, bytes } = await engineSend(
          conn(path),
          { message: { raw: trickyMessage(id, path.to) }, envelope: { from: 'sender@example.net', to: [path.to] } },
          { bdat: method === 'BDAT' ? 'on' : 'off' },
        );
        expect(record.result, JSON.stringify(record.result)).toEqual({ ok: true, verdict: 'delivered' });
        expect(record.message?.method).toBe(method);
        if (method === 'DATA') {
          // Dot-stuffing added one dot to each of the six body lines that start with one.
          expect(record.message!.wireBytes).toBe(bytes.length + 6 + '.\r\n'.length);
        } else {
          expect(record.message!.wireBytes).toBe(bytes.length);
        }
        const stored = await waitForDelivery(path.maildir(env), id);
        const added = expectStoredAsSent(stored, bytes);
        expect(added.length).toBeGreaterThan(0);
      });
    }

    const utf8 = path.utf8;
    if (utf8) {
      it(`${utf8.name}: raw UTF-8 headers go with SMTPUTF8 and BODY=8BITMIME and arrive unchanged`, async () => {
        const id = uniqueId('utf8');
        const { record, bytes } = await engineSend(conn(path), { message: { raw: utf8Message(id, utf8.to) } });
        expect(record.result, JSON.stringify(record.result)).toEqual({ ok: true, verdict: 'delivered' });
        expect(record.message?.mailParams).toEqual(expect.arrayContaining(['SMTPUTF8', 'BODY=8BITMIME']));
        const stored = await waitForDelivery(utf8.maildir(env), id);
        expectStoredAsSent(stored, bytes);
      });
    } else {
      it(`${path.name}: SMTPUTF8 is not offered, so raw UTF-8 headers are refused before MAIL FROM`, async () => {
        const id = uniqueId('utf8-refused');
        const { record } = await engineSend(conn(path), { message: { raw: utf8Message(id, path.to) } });
        expect(record.capabilities.map((c) => c.name)).not.toContain('SMTPUTF8');
        expect(record.result.error?.code).toBe('not-supported');
        expect(record.events.filter((e) => e.dir === 'send' && e.text.startsWith('MAIL FROM'))).toEqual([]);
      });
    }

    it(`${path.name}: a composed message with a 10 MB attachment (BDAT in chunks)`, async () => {
      const id = uniqueId('big');
      const { record, bytes } = await engineSend(conn(path), {
        message: {
          compose: {
            from: 'SMTP Lens <sender@example.net>',
            to: [path.to],
            subject: 'ten megabytes',
            text: 'The attachment is 10 MiB of random bytes.\n.\nA lone dot above.\n',
            messageId: id,
            attachments: [{ path: bigFile, filename: 'ten-megabytes.bin', contentType: 'application/octet-stream' }],
          },
        },
      });
      expect(record.result, JSON.stringify(record.result)).toEqual({ ok: true, verdict: 'delivered' });
      expect(record.message?.method).toBe('BDAT');
      expect(bytes.length).toBeGreaterThan(13_000_000);
      const stored = await waitForDelivery(path.maildir(env), id, 60_000);
      expectStoredAsSent(stored, bytes);
    });
  }

  it('postfix → dovecot: a 10 MB message with DATA (dot-stuffed stream) arrives intact', async () => {
    const path = PATHS[0]!;
    const id = uniqueId('big-data');
    const { record, bytes } = await engineSend(
      conn(path),
      {
        message: {
          compose: {
            from: 'sender@example.net',
            to: [path.to],
            subject: 'ten megabytes over DATA',
            text: '.\n..\n',
            messageId: id,
            attachments: [{ path: bigFile }],
          },
        },
      },
      { bdat: 'off' },
    );
    expect(record.result, JSON.stringify(record.result)).toEqual({ ok: true, verdict: 'delivered' });
    expect(record.message?.method).toBe('DATA');
    expectStoredAsSent(await waitForDelivery(path.maildir(env), id, 60_000), bytes);
  });
});
