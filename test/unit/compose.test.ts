import { mkdtemp, open, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SmtpError } from '../../electron/smtp/errors.js';
import { composeMessage, type ComposeInput } from '../../electron/smtp/message/compose.js';
import { bufferSource, fileSource, measureSource, type MessageSource } from '../../electron/smtp/message/message-source.js';

async function collect(source: MessageSource): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of source.open()) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** The header block (up to the first CRLFCRLF) as a string, and the body after it. */
function split(bytes: Buffer): { head: string; body: string } {
  const text = bytes.toString('utf8');
  const end = text.indexOf('\r\n\r\n');
  return { head: text.slice(0, end + 2), body: text.slice(end + 4) };
}

/** Count header fields with this name in a header block (folded lines start with whitespace). */
function countFields(head: string, name: string): number {
  return head.split('\r\n').filter((l) => l.toLowerCase().startsWith(name.toLowerCase() + ':')).length;
}

async function expectInvalid(input: ComposeInput, pattern: RegExp): Promise<void> {
  const err = await composeMessage(input).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SmtpError);
  expect((err as SmtpError).code).toBe('invalid-input');
  expect((err as SmtpError).message).toMatch(pattern);
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'smtp-lens-compose-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('message sources', () => {
  it('bufferSource knows size (as sent, bare LFs counted as CRLF) and 8-bit-ness', async () => {
    const crlf = bufferSource('Subject: x\r\n\r\nhello\r\n');
    expect(crlf.size).toBe(21);
    expect(crlf.eightBit).toBe(false);
    const lf = bufferSource('a\nb\n');
    expect(lf.size).toBe(6);
    const eight = bufferSource(Buffer.from('Subject: x\r\n\r\nGrüße\r\n', 'utf8'));
    expect(eight.eightBit).toBe(true);
    expect(await measureSource(eight)).toEqual({ size: eight.size, eightBit: true, longestLine: 'Subject: x'.length });
  });

  it('measureSource handles a CRLF split across chunks and bare CRs', async () => {
    const source: MessageSource = {
      size: undefined,
      eightBit: undefined,
      async *open() {
        yield Buffer.from('a\r');
        yield Buffer.from('\nb\rc\r');
      },
    };
    // a CRLF b CR(->CRLF) c CR(->CRLF)
    expect(await measureSource(source)).toEqual({ size: 9, eightBit: false, longestLine: 1 });
  });

  it('fileSource streams the file and refuses it once it changed', async () => {
    const path = join(dir, 'plain.eml');
    await writeFile(path, 'Subject: hi\r\n\r\nbody\r\n');
    const source = await fileSource(path);
    expect(source.size).toBe(21);
    expect(source.eightBit).toBeUndefined();
    expect((await collect(source)).toString()).toBe('Subject: hi\r\n\r\nbody\r\n');
    await writeFile(path, 'Subject: hi\r\n\r\nlonger body\r\n');
    await expect(collect(source)).rejects.toMatchObject({ code: 'invalid-input' });
  });
});

describe('composeMessage', () => {
  const base: ComposeInput = {
    from: 'Alice Example <alice@example.com>',
    to: ['bob@example.org', 'Carol <carol@example.net>'],
    cc: ['dave@example.org'],
    bcc: ['secret@example.com', 'bob@example.org'],
    subject: 'Hello',
    text: 'Hello Bob\nSecond line\n',
  };

  it('keeps Bcc out of the bytes but in the envelope, To+Cc+Bcc order, exact duplicates once', async () => {
    const msg = await composeMessage(base);
    const bytes = await collect(msg.source);
    expect(bytes.toString()).not.toMatch(/^bcc:/im);
    expect(bytes.toString()).not.toContain('secret@example.com');
    expect(msg.envelope).toEqual({
      from: 'alice@example.com',
      to: ['bob@example.org', 'carol@example.net', 'dave@example.org', 'secret@example.com'],
    });
    expect(msg.needsSmtpUtf8).toBe(false);
  });

  it('uses Sender for the envelope sender and flattens groups', async () => {
    const msg = await composeMessage({
      from: 'Team <team@example.com>',
      sender: 'Mailer <mailer@example.com>',
      to: ['Friends: a@example.org, "Doe, B" <b@example.org>;'],
      text: 'x',
    });
    expect(msg.envelope).toEqual({ from: 'mailer@example.com', to: ['a@example.org', 'b@example.org'] });
    const { head } = split(await collect(msg.source));
    expect(head).toContain('Sender: Mailer <mailer@example.com>\r\n');
    expect(head).toContain('To: Friends:a@example.org, "Doe, B" <b@example.org>;\r\n');
  });

  it('adds Date and Message-ID (From domain) when missing', async () => {
    const msg = await composeMessage(base);
    const { head } = split(await collect(msg.source));
    expect(countFields(head, 'Date')).toBe(1);
    expect(countFields(head, 'Message-ID')).toBe(1);
    expect(msg.messageId).toMatch(/^<[^<>@\s]+@example\.com>$/);
    expect(head).toContain(`Message-ID: ${msg.messageId}\r\n`);
    expect(countFields(head, 'MIME-Version')).toBe(1);
  });

  it('uses a given Date and Message-ID once, with or without angle brackets', async () => {
    const date = new Date(Date.UTC(2024, 0, 2, 3, 4, 5));
    const msg = await composeMessage({ ...base, date, messageId: 'abc.123@mail.example.com' });
    const { head } = split(await collect(msg.source));
    expect(msg.messageId).toBe('<abc.123@mail.example.com>');
    expect(countFields(head, 'Message-ID')).toBe(1);
    expect(head).toContain('Message-ID: <abc.123@mail.example.com>\r\n');
    expect(countFields(head, 'Date')).toBe(1);
    expect(head).toContain('Date: Tue, 02 Jan 2024 03:04:05 +0000\r\n');
    const again = await composeMessage({ ...base, messageId: '<x@y>' });
    expect(again.messageId).toBe('<x@y>');
  });

  it('derives the Message-ID domain from an internationalised From as an A-label', async () => {
    const msg = await composeMessage({ from: 'jorg@bücher.de', to: ['x@example.org'], text: 'x' });
    expect(msg.messageId).toMatch(/@xn--bcher-kva\.de>$/);
  });

  describe('header injection', () => {
    it('rejects CR/LF in the subject', async () => {
      await expectInvalid({ ...base, subject: 'Hi\r\nBcc: victim@example.com' }, /subject/);
      await expectInvalid({ ...base, subject: 'Hi\nX: y' }, /subject/);
    });
    it('rejects CR/LF/NUL in an extra header value', async () => {
      await expectInvalid({ ...base, headers: [{ name: 'X-Note', value: 'a\r\nTo: evil@example.com' }] }, /headers\[0\]\.value/);
      await expectInvalid({ ...base, headers: [{ name: 'X-Note', value: 'a\0b' }] }, /headers\[0\]\.value/);
    });
    it('rejects header names with a colon, a space or non-ASCII, and reserved names', async () => {
      await expectInvalid({ ...base, headers: [{ name: 'X-Bad:', value: 'v' }] }, /headers\[0\]\.name/);
      await expectInvalid({ ...base, headers: [{ name: 'X Bad', value: 'v' }] }, /headers\[0\]\.name/);
      await expectInvalid({ ...base, headers: [{ name: 'X-Bäd', value: 'v' }] }, /headers\[0\]\.name/);
      await expectInvalid({ ...base, headers: [{ name: '', value: 'v' }] }, /headers\[0\]\.name/);
      await expectInvalid({ ...base, headers: [{ name: 'bcc', value: 'x@example.com' }] }, /use the bcc field/);
      await expectInvalid({ ...base, headers: [{ name: 'Content-Type', value: 'text/html' }] }, /Content-Type/);
    });
    it('rejects CR/LF in addresses and address-less entries', async () => {
      await expectInvalid({ ...base, to: ['bob@example.org\r\nBcc: evil@example.com'] }, /to\[0\]/);
      await expectInvalid({ ...base, from: 'alice@example.com\n' }, /from/);
      await expectInvalid({ ...base, bcc: ['x@example.com\r'] }, /bcc\[0\]/);
      await expectInvalid({ ...base, cc: ['Just A Name'] }, /cc\[0\]: no e-mail address/);
    });
    it('rejects CR/LF in filenames, content types and message ids', async () => {
      await expectInvalid({ ...base, attachments: [{ content: 'x', filename: 'a\r\n.txt' }] }, /attachments\[0\]\.filename/);
      await expectInvalid({ ...base, attachments: [{ content: 'x', contentType: 'text/plain\r\nX: y' }] }, /contentType/);
      await expectInvalid({ ...base, messageId: '<a@b>\r\nX: y' }, /messageId/);
      await expectInvalid({ ...base, messageId: 'a b@c' }, /messageId/);
    });
    it('rejects a missing attachment file and an attachment with both path and content', async () => {
      await expectInvalid({ ...base, attachments: [{ path: join(dir, 'nope.bin') }] }, /attachments\[0\]\.path/);
      await expectInvalid({ ...base, attachments: [{ path: join(dir, 'nope.bin'), content: 'x' }] }, /exactly one/);
    });
  });

  it('builds multipart/mixed with text, html and a base64 attachment that decodes to the original', async () => {
    const content = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7) & 0xff));
    const msg = await composeMessage({
      ...base,
      html: '<p>Hello <b>Bob</b></p>',
      attachments: [{ content, filename: 'data.bin', contentType: 'application/octet-stream' }],
    });
    const bytes = await collect(msg.source);
    const { head, body } = split(bytes);
    const boundary = /Content-Type: multipart\/mixed;\s*boundary="([^"]+)"/.exec(head)?.[1];
    expect(boundary).toBeDefined();
    const parts = body.split(`--${boundary!}`);
    // preamble, the alternative part, the attachment, the closing "--"
    expect(parts).toHaveLength(4);
    expect(parts[3]!.startsWith('--')).toBe(true);
    expect(parts[1]).toContain('Content-Type: multipart/alternative');
    expect(parts[1]).toContain('Content-Type: text/plain; charset=utf-8');
    expect(parts[1]).toContain('Content-Type: text/html; charset=utf-8');
    expect(parts[1]).toContain('Hello <b>Bob</b>');
    const attachment = parts[2]!;
    expect(attachment).toMatch(/Content-Disposition: attachment; filename=data\.bin/);
    expect(attachment).toContain('Content-Transfer-Encoding: base64');
    const encoded = attachment.slice(attachment.indexOf('\r\n\r\n') + 4);
    expect(Buffer.from(encoded.replace(/\s+/g, ''), 'base64').equals(content)).toBe(true);
  });

  it('uses CRLF only and keeps lines within 998 octets', async () => {
    const msg = await composeMessage({
      ...base,
      subject: 'word '.repeat(100).trim(),
      text: 'x'.repeat(5000) + '\nshort\n',
      headers: [{ name: 'X-Long', value: 'token '.repeat(300).trim() }],
    });
    const bytes = await collect(msg.source);
    for (let i = bytes.indexOf(0x0a); i >= 0; i = bytes.indexOf(0x0a, i + 1)) {
      expect(bytes[i - 1]).toBe(0x0d);
    }
    for (const line of bytes.toString('latin1').split('\r\n')) expect(line.length).toBeLessThanOrEqual(998);
    expect(countFields(split(bytes).head, 'X-Long')).toBe(1);
  });

  it('refuses a header word that cannot be folded within 998 octets', async () => {
    await expectInvalid({ ...base, headers: [{ name: 'X-Long', value: 'y'.repeat(1200) }] }, /X-Long.*998/);
  });

  it('yields byte-identical output on every open()', async () => {
    const path = join(dir, 'attach.txt');
    await writeFile(path, 'attachment from disk\n'.repeat(50));
    const msg = await composeMessage({
      ...base,
      html: '<p>x</p>',
      attachments: [{ path }, { content: 'inline', filename: 'ä.txt' }],
    });
    const first = await collect(msg.source);
    await new Promise((r) => setTimeout(r, 20));
    const second = await collect(msg.source);
    expect(second.equals(first)).toBe(true);
  });

  it('refuses to stream once an attachment file changed', async () => {
    const path = join(dir, 'changing.txt');
    await writeFile(path, 'one');
    const msg = await composeMessage({ ...base, attachments: [{ path }] });
    await writeFile(path, 'three');
    await utimes(path, new Date(), new Date(Date.now() + 5000));
    await expect(collect(msg.source)).rejects.toMatchObject({ code: 'invalid-input' });
  });

  it('sends UTF-8 bodies quoted-printable (7-bit): size exact, eightBit false', async () => {
    const msg = await composeMessage({ ...base, subject: 'Grüße', text: 'Grüße aus Köln\n' });
    const bytes = await collect(msg.source);
    expect(msg.source.size).toBe(bytes.length);
    expect(msg.source.eightBit).toBe(false);
    expect(bytes.some((b) => b >= 0x80)).toBe(false);
    expect(bytes.toString()).toContain('Content-Transfer-Encoding: quoted-printable');
    expect(bytes.toString()).toContain('Gr=C3=BC=C3=9Fe aus K=C3=B6ln');
    expect(split(bytes).head).toContain('Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=');
    expect(msg.needsSmtpUtf8).toBe(false);
  });

  it('with utf8Headers writes a raw UTF-8 Subject and display name: eightBit and SMTPUTF8 needed', async () => {
    const msg = await composeMessage({
      ...base,
      from: 'Jörg Müller <jorg@example.com>',
      subject: 'Grüße aus Köln',
      headers: [{ name: 'X-Ort', value: 'Köln' }],
      utf8Headers: true,
    });
    const bytes = await collect(msg.source);
    const { head } = split(bytes);
    expect(head).toContain('Subject: Grüße aus Köln\r\n');
    expect(head).toContain('From: Jörg Müller <jorg@example.com>\r\n');
    expect(head).toContain('X-Ort: Köln\r\n');
    expect(msg.source.size).toBe(bytes.length);
    expect(msg.source.eightBit).toBe(true);
    expect(msg.needsSmtpUtf8).toBe(true);
  });

  it('needs SMTPUTF8 for a non-ASCII envelope address', async () => {
    const msg = await composeMessage({ from: 'alice@example.com', to: ['jörg@example.de'], text: 'x' });
    expect(msg.envelope.to).toEqual(['jörg@example.de']);
    expect(msg.needsSmtpUtf8).toBe(true);
  });

  it('streams a 10 MB attachment from disk with bounded memory', async () => {
    const size = 10 * 1024 * 1024;
    const path = join(dir, 'big.bin');
    const handle = await open(path, 'w');
    const block = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < block.length; i++) block[i] = (i * 31 + 7) & 0xff;
    for (let written = 0; written < size; written += block.length) await handle.write(block);
    await handle.close();

    const msg = await composeMessage({ ...base, attachments: [{ path, filename: 'big.bin' }] });
    // base64 grows by 4/3 plus a CRLF every 76 characters
    expect(msg.source.size).toBeGreaterThan((size * 4) / 3);

    const before = process.memoryUsage();
    let total = 0;
    let maxChunk = 0;
    let peakArrayBuffers = 0;
    let chunks = 0;
    for await (const chunk of msg.source.open()) {
      total += chunk.length;
      maxChunk = Math.max(maxChunk, chunk.length);
      if (++chunks % 32 === 0) {
        peakArrayBuffers = Math.max(peakArrayBuffers, process.memoryUsage().arrayBuffers - before.arrayBuffers);
      }
    }
    const after = process.memoryUsage();
    expect(total).toBe(msg.source.size);
    // Streaming means no chunk is anywhere near the attachment size...
    expect(maxChunk).toBeLessThan(512 * 1024);
    // ...and loosely (GC timing varies), memory did not grow by the attachment (10 MB) plus its
    // base64 form (13.5 MB), which loading it would cost; measured growth is around 4 MB.
    expect(peakArrayBuffers).toBeLessThan(2 * size);
    expect(after.rss - before.rss).toBeLessThan(2 * size);
  });
});
