import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SmtpError } from '../../electron/smtp/errors.js';
import { deriveEnvelope, parseHeaderBlock, rawMessage, type HeaderField } from '../../electron/smtp/message/envelope.js';
import { measureSource, type MessageSource } from '../../electron/smtp/message/message-source.js';

async function collect(source: MessageSource): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of source.open()) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** Headers from "Name: value" lines, the way tests write them. */
function headers(...lines: string[]): HeaderField[] {
  return parseHeaderBlock(Buffer.from(lines.join('\r\n') + '\r\n\r\n')).headers;
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'smtp-lens-envelope-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('parseHeaderBlock', () => {
  it('unfolds continuation lines and reports the header length including the blank line', () => {
    const head = 'Subject: a long\r\n  folded subject\r\nTo: a@example.com,\r\n\tb@example.com\r\n\r\n';
    const raw = Buffer.from(head + 'Body: not a header\r\n');
    const { headers: fields, headerLength } = parseHeaderBlock(raw);
    expect(fields).toEqual([
      { name: 'Subject', value: 'a long  folded subject' },
      { name: 'To', value: 'a@example.com,\tb@example.com' },
    ]);
    expect(headerLength).toBe(Buffer.byteLength(head));
  });

  it('tolerates LF-only messages and whitespace before the colon', () => {
    const head = 'From: a@example.com\nSubject : hi\n there\n\n';
    const { headers: fields, headerLength } = parseHeaderBlock(Buffer.from(head + 'body\n'));
    expect(fields).toEqual([
      { name: 'From', value: 'a@example.com' },
      { name: 'Subject', value: 'hi there' },
    ]);
    expect(headerLength).toBe(head.length);
  });

  it('treats a message without a blank line as all headers, and decodes UTF-8 values', () => {
    const raw = Buffer.from('Subject: Grüße\r\nX-A: 1', 'utf8');
    expect(parseHeaderBlock(raw)).toEqual({
      headers: [
        { name: 'Subject', value: 'Grüße' },
        { name: 'X-A', value: '1' },
      ],
      headerLength: raw.length,
    });
  });

  it('skips lines that are not header fields, such as an mbox From_ line', () => {
    const raw = Buffer.from('From alice@example.com Mon Jan  1 00:00:00 2024\r\nTo: b@example.com\r\n\r\n');
    expect(parseHeaderBlock(raw).headers).toEqual([{ name: 'To', value: 'b@example.com' }]);
  });
});

describe('deriveEnvelope (smtplib send_message semantics)', () => {
  it('uses From and collects To, Cc, Bcc in that order', () => {
    const env = deriveEnvelope(
      headers('From: foo@bar.com', 'To: John', 'CC: Sally, Fred', 'Bcc: John Root <root@localhost>, "Dinsdale" <warped@silly.walks.com>'),
    );
    expect(env).toEqual({
      from: 'foo@bar.com',
      to: ['John', 'Sally', 'Fred', 'root@localhost', 'warped@silly.walks.com'],
    });
  });

  it('prefers Sender over From (even when From lists several authors)', () => {
    const env = deriveEnvelope(
      headers(
        'From: Bernard <bernard@example.com>, Bianca <bianca@example.com>',
        'Sender: the_rescuers@Rescue-Aid-Society.com',
        'To: John',
      ),
    );
    expect(env.from).toBe('the_rescuers@Rescue-Aid-Society.com');
    expect(env.to).toEqual(['John']);
  });

  it('takes the first From address when there is no Sender', () => {
    const env = deriveEnvelope(headers('From: Bernard <bernard@example.com>, Bianca <bianca@example.com>', 'To: x@example.com'));
    expect(env.from).toBe('bernard@example.com');
  });

  it('uses the one Resent-* block when there is exactly one', () => {
    const env = deriveEnvelope(
      headers(
        'From: foo@bar.com',
        'To: John',
        'CC: Sally, Fred',
        'Bcc: John Root <root@localhost>',
        'Resent-Date: Thu, 1 Jan 1970 17:42:00 +0000',
        'Resent-From: holy@grail.net',
        'Resent-To: Martha <my_mom@great.cooker.com>, Jeff',
        'Resent-Bcc: doe@losthope.net',
      ),
    );
    expect(env).toEqual({ from: 'holy@grail.net', to: ['my_mom@great.cooker.com', 'Jeff', 'doe@losthope.net'] });
  });

  it('uses Resent-Sender over Resent-From', () => {
    const env = deriveEnvelope(
      headers(
        'From: foo@bar.com',
        'Resent-Date: x',
        'Resent-From: a@example.com',
        'Resent-Sender: b@example.com',
        'Resent-Cc: c@example.com',
      ),
    );
    expect(env).toEqual({ from: 'b@example.com', to: ['c@example.com'] });
  });

  it('refuses more than one Resent- block, as smtplib raises ValueError', () => {
    const fields = headers(
      'From: foo@bar.com',
      'To: John',
      'Resent-Date: Thu, 1 Jan 1970 17:42:00 +0000',
      'Resent-From: holy@grail.net',
      'Resent-To: Martha <my_mom@great.cooker.com>, Jeff',
      'Resent-Date: Thu, 2 Jan 1970 17:42:00 +0000',
      'Resent-To: holy@grail.net',
      'Resent-From: Martha <my_mom@great.cooker.com>, Jeff',
    );
    let err: unknown;
    try {
      deriveEnvelope(fields);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SmtpError);
    expect((err as SmtpError).code).toBe('invalid-input');
    expect((err as SmtpError).message).toBe("message has more than one 'Resent-' header block");
  });

  it('flattens groups, drops display names, skips empty groups and removes exact duplicates', () => {
    const env = deriveEnvelope(
      headers(
        'From: "Doe, Jane" <jane@example.com>',
        'To: Team: a@example.com, "B, Person" <b@example.com>;, undisclosed-recipients:;',
        'Cc: =?utf-8?q?J=C3=B6rg?= <jorg@example.com>, a@example.com, A@example.com',
      ),
    );
    expect(env).toEqual({
      from: 'jane@example.com',
      to: ['a@example.com', 'b@example.com', 'jorg@example.com', 'A@example.com'],
    });
  });

  it('reads addresses from folded headers', () => {
    const raw = Buffer.from('From: Alice\r\n <alice@example.com>\r\nTo: one@example.com,\r\n two@example.com\r\n\r\n');
    expect(deriveEnvelope(parseHeaderBlock(raw).headers)).toEqual({
      from: 'alice@example.com',
      to: ['one@example.com', 'two@example.com'],
    });
  });

  it("gives '' for a missing or null sender", () => {
    expect(deriveEnvelope(headers('To: a@example.com')).from).toBe('');
    expect(deriveEnvelope(headers('From: <>', 'To: a@example.com')).from).toBe('');
  });
});

describe('rawMessage', () => {
  const body = 'Line one\r\nBcc: this is body text, not a header\r\n\r\n.leading dot\r\nGrüße\r\n';
  const head =
    'From: Alice <alice@example.com>\r\n' +
    'To: bob@example.com\r\n' +
    'Bcc: hidden@example.com,\r\n' +
    '  also-hidden@example.com\r\n' +
    'Subject: hi\r\n' +
    'bcc: lower@example.com\r\n' +
    'X-Bcc-Note: stays\r\n' +
    '\r\n';
  const strippedHead =
    'From: Alice <alice@example.com>\r\n' + 'To: bob@example.com\r\n' + 'Subject: hi\r\n' + 'X-Bcc-Note: stays\r\n' + '\r\n';

  it('removes Bcc fields with their continuation lines, keeps the body byte for byte', async () => {
    const raw = Buffer.from(head + body, 'utf8');
    const msg = await rawMessage(raw);
    const bytes = await collect(msg.source);
    expect(bytes.equals(Buffer.from(strippedHead + body, 'utf8'))).toBe(true);
    expect(msg.envelope).toEqual({
      from: 'alice@example.com',
      to: ['bob@example.com', 'hidden@example.com', 'also-hidden@example.com', 'lower@example.com'],
    });
    expect(msg.headers.map((h) => h.name)).toEqual(['From', 'To', 'Bcc', 'Subject', 'bcc', 'X-Bcc-Note']);
    expect(msg.source.size).toBe(bytes.length);
    expect(msg.source.eightBit).toBe(true);
    expect(msg.needsSmtpUtf8).toBe(false);
  });

  it('removes Resent-Bcc and leaves LF line endings as they are', async () => {
    const raw = Buffer.from(
      'From: a@example.com\nTo: b@example.com\nResent-Date: x\nResent-From: r@example.com\nResent-To: t@example.com\nResent-Bcc: s@example.com\n\nbody\n',
    );
    const msg = await rawMessage(raw);
    const bytes = await collect(msg.source);
    expect(bytes.toString()).toBe(
      'From: a@example.com\nTo: b@example.com\nResent-Date: x\nResent-From: r@example.com\nResent-To: t@example.com\n\nbody\n',
    );
    expect(msg.envelope).toEqual({ from: 'r@example.com', to: ['t@example.com', 's@example.com'] });
    // size is as sent: every bare LF will go out as CRLF
    expect(msg.source.size).toBe(bytes.length + (bytes.toString().match(/\n/g) ?? []).length);
  });

  it('flags SMTPUTF8 for raw UTF-8 headers or addresses', async () => {
    const msg = await rawMessage(Buffer.from('From: jörg@example.de\r\nTo: b@example.com\r\n\r\nx\r\n', 'utf8'));
    expect(msg.needsSmtpUtf8).toBe(true);
    expect(msg.envelope.from).toBe('jörg@example.de');
  });

  it('reads a file: header block only into memory, body streamed from disk untouched', async () => {
    const path = join(dir, 'message.eml');
    await writeFile(path, head + body, 'utf8');
    const msg = await rawMessage({ path });
    const bytes = await collect(msg.source);
    expect(bytes.equals(Buffer.from(strippedHead + body, 'utf8'))).toBe(true);
    expect(msg.envelope.to).toContain('also-hidden@example.com');
    expect(msg.source.size).toBe(bytes.length);
    expect(msg.source.eightBit).toBeUndefined();
    expect(await measureSource(msg.source)).toMatchObject({ size: bytes.length, eightBit: true });
    // a second pass gives the same bytes
    expect((await collect(msg.source)).equals(bytes)).toBe(true);
  });

  it('handles a big file whose body spans many chunks, and a header block larger than one chunk', async () => {
    const path = join(dir, 'big.eml');
    const bigHead =
      'From: a@example.com\r\nTo: b@example.com\r\n' + `X-Filler: ${'f'.repeat(70)}\r\n`.repeat(1500) + 'Bcc: c@example.com\r\n\r\n';
    const handle = await open(path, 'w');
    await handle.write(bigHead);
    const line = Buffer.from('0123456789'.repeat(7) + '\r\n');
    const bodyBlock = Buffer.concat(Array.from({ length: 10_000 }, () => line));
    for (let i = 0; i < 5; i++) await handle.write(bodyBlock);
    await handle.close();

    const msg = await rawMessage({ path });
    expect(msg.envelope).toEqual({ from: 'a@example.com', to: ['b@example.com', 'c@example.com'] });
    let total = 0;
    let maxChunk = 0;
    let sawBcc = false;
    let first = true;
    for await (const chunk of msg.source.open()) {
      if (first) sawBcc = chunk.toString('latin1').includes('Bcc:');
      first = false;
      total += chunk.length;
      maxChunk = Math.max(maxChunk, chunk.length);
    }
    const expected = Buffer.byteLength(bigHead) - 'Bcc: c@example.com\r\n'.length + 5 * bodyBlock.length;
    expect(sawBcc).toBe(false);
    expect(total).toBe(expected);
    expect(msg.source.size).toBe(expected);
    expect(maxChunk).toBeLessThanOrEqual(Math.max(Buffer.byteLength(bigHead), 64 * 1024));
  });

  it('leaves the size unknown for an LF-only file (stat cannot tell the size as sent)', async () => {
    const path = join(dir, 'lf.eml');
    await writeFile(path, 'From: a@example.com\nTo: b@example.com\n\nbody\n');
    const msg = await rawMessage({ path });
    expect(msg.source.size).toBeUndefined();
    expect((await collect(msg.source)).toString()).toBe('From: a@example.com\nTo: b@example.com\n\nbody\n');
  });

  it('rejects a file with more than one Resent- block', async () => {
    const path = join(dir, 'resent.eml');
    await writeFile(path, 'From: a@example.com\r\nResent-Date: 1\r\nResent-Date: 2\r\n\r\nx\r\n');
    await expect(rawMessage({ path })).rejects.toMatchObject({ code: 'invalid-input' });
  });
});
