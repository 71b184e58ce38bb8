import { describe, expect, it, vi } from 'vitest';
import { createStore } from 'zustand/vanilla';
import type { MessagePreview, Result } from '../../../shared/ipc/contract.js';
import type { ComposeSettings } from '../../../shared/ipc/schemas.js';
import type { RecipientOutcome, SessionRecord } from '../../../shared/session-record.js';
import type { AppApi } from '../../../renderer/src/lib/api.js';
import {
  checkAddrSpec,
  parseAddressList,
  parseEnvelopeAddress,
  parseEnvelopeList,
  parseMailbox,
  splitAddressList,
} from '../../../renderer/src/lib/compose/addresses.js';
import {
  MAX_UPLOAD_BYTES,
  checkAttachmentCount,
  checkUploadSize,
  formatBytes,
  safeFilename,
  toAttachmentSettings,
} from '../../../renderer/src/lib/compose/attachments.js';
import {
  DEFAULT_COMPOSE_FORM,
  DEFAULT_DSN_FORM,
  checkComposeForm,
  defaultEnvelope,
  fieldLabel,
  toComposeSettings,
  toDsnSettings,
  type ComposeForm,
} from '../../../renderer/src/lib/compose/form.js';
import { checkHeaderName, checkHeaderRow, checkHeaderValue } from '../../../renderer/src/lib/compose/headers.js';
import { formatReply, outcomeRows, verdictSummary } from '../../../renderer/src/lib/compose/outcome.js';
import { plannedTransaction, xtext } from '../../../renderer/src/lib/compose/preview.js';
import { createComposeSlice } from '../../../renderer/src/store/compose-slice.js';
import { connectStoreToEvents, createAppStore } from '../../../renderer/src/store/index.js';
import type { AppState } from '../../../renderer/src/store/types.js';
import { fakeApi, memoryStorage } from './fake-api.js';

const errorsOf = (address: string) => checkAddrSpec(address).filter((p) => p.severity === 'error');
const form = (patch: Partial<ComposeForm>): ComposeForm => ({ ...DEFAULT_COMPOSE_FORM, ...patch });

describe('address lists', () => {
  it('split on commas and line breaks, not inside quotes or angle brackets', () => {
    expect(splitAddressList('a@x.example, b@x.example\nc@x.example\r\n\n , ')).toEqual(['a@x.example', 'b@x.example', 'c@x.example']);
    expect(splitAddressList('"Doe, Jane" <jane@x.example>, bob@x.example')).toEqual(['"Doe, Jane" <jane@x.example>', 'bob@x.example']);
    expect(splitAddressList('"a \\" , b" <q@x.example>')).toEqual(['"a \\" , b" <q@x.example>']);
    expect(splitAddressList('')).toEqual([]);
  });

  it('accept plausible addresses, with or without a display name', () => {
    for (const ok of [
      'ann@example.net',
      'a.b+tag@sub.example.co.uk',
      'postmaster@localhost',
      '"quoted local"@example.net',
      'user@[192.0.2.1]',
      'user@[IPv6:2001:db8::1]',
      'jörg@bücher.example',
    ]) {
      expect(errorsOf(ok), ok).toEqual([]);
    }
    expect(parseMailbox('Ann Example <ann@example.net>')).toMatchObject({ name: 'Ann Example', address: 'ann@example.net', problems: [] });
    expect(parseMailbox('"Doe, Jane" <jane@example.net>')).toMatchObject({ name: 'Doe, Jane', address: 'jane@example.net', problems: [] });
    expect(parseMailbox('<bare@example.net>')).toMatchObject({ address: 'bare@example.net', problems: [] });
    expect(parseMailbox('jörg@example.net').utf8).toBe(true);
  });

  it('say what is wrong with implausible ones', () => {
    expect(errorsOf('ann.example.net')[0]?.message).toMatch(/needs an @/);
    expect(errorsOf('@example.net')[0]?.message).toMatch(/Nothing before the @/);
    expect(errorsOf('ann@')[0]?.message).toMatch(/Nothing after the @/);
    expect(errorsOf('ann smith@example.net')[0]?.message).toMatch(/Spaces are not allowed/);
    expect(errorsOf('ann..smith@example.net')[0]?.message).toMatch(/Two dots/);
    expect(errorsOf('.ann@example.net')[0]?.message).toMatch(/start or end with a dot/);
    expect(errorsOf('ann@exa_mple.net')[0]?.message).toMatch(/"_" is not allowed in a domain/);
    expect(errorsOf('ann@-example.net')[0]?.message).toMatch(/hyphen/);
    expect(errorsOf('ann@example..net')[0]?.message).toMatch(/Two dots/);
    expect(errorsOf('a@b@example.net')[0]?.message).toMatch(/only one @/);
    expect(errorsOf('"unclosed@example.net')[0]?.message).toMatch(/not closed/);
    expect(errorsOf('user@[300.1.1.1]')).toHaveLength(1);
  });

  it('refuse line breaks and control characters', () => {
    expect(errorsOf('ann@example.net\r\nRCPT TO:<eve@example.com>')[0]?.message).toMatch(/line break/);
    expect(errorsOf('ann@exam\0ple.net')[0]?.message).toMatch(/control character \(U\+0000\)/);
    expect(parseMailbox('Ann <ann@example.net\r\n>').problems[0]?.message).toMatch(/Line breaks/);
  });

  it('warn (not refuse) about over-long parts, so a server can be tested with them', () => {
    const long = `${'a'.repeat(65)}@example.net`;
    const problems = checkAddrSpec(long);
    expect(problems.some((p) => p.severity === 'error')).toBe(false);
    expect(problems[0]).toMatchObject({ severity: 'warning' });
    expect(parseAddressList(long).hasErrors).toBe(false);
  });

  it('explain unsupported or malformed name forms', () => {
    expect(parseMailbox('Doe, Jane <jane@example.net>').problems[0]?.message).toMatch(/must be in double quotes/);
    // In a list the comma splits first, so "Doe" alone is the error, explained.
    const list = parseAddressList('Doe, Jane <jane@example.net>');
    expect(list.hasErrors).toBe(true);
    expect(list.entries[0]?.problems[0]?.message).toBe(
      '"Doe" is not an address: a name with a comma must be in double quotes ("Doe, Jane" <jane@example.net>).',
    );
    expect(parseMailbox('Jane Q. Doe <jane@example.net>').problems[0]?.message).toMatch(/must be in double quotes/);
    expect(parseMailbox('friends: a@example.net;').problems[0]?.message).toMatch(/Group syntax/);
    expect(parseMailbox('ann@example.net (Ann)').problems[0]?.message).toMatch(/Comments/);
    expect(parseMailbox('Ann <ann@example.net').problems[0]?.message).toMatch(/not closed/);
    expect(parseMailbox('Ann <ann@example.net> extra').problems[0]?.message).toMatch(/after ">"/);
  });

  it('parse envelope addresses without names, with <> only as a sender', () => {
    expect(parseEnvelopeAddress('<>', true)).toMatchObject({ address: '', problems: [] });
    expect(parseEnvelopeAddress('<>', false).problems[0]?.message).toMatch(/null address/);
    expect(parseEnvelopeAddress('<bob@example.org>', false)).toMatchObject({ address: 'bob@example.org', problems: [] });
    expect(parseEnvelopeAddress('Bob <bob@example.org>', false).problems[0]?.message).toMatch(/without a name|Angle brackets/);
    expect(parseEnvelopeList('a@x.example\nb@x.example').entries.map((e) => e.address)).toEqual(['a@x.example', 'b@x.example']);
  });
});

describe('extra headers', () => {
  it('accept printable ASCII names and single-line values', () => {
    expect(checkHeaderName('X-Test')).toBeUndefined();
    expect(checkHeaderName('List-Unsubscribe-Post')).toBeUndefined();
    expect(checkHeaderValue('a value\twith a tab and ünïcode')).toBeUndefined();
  });

  it('refuse colons, spaces, non-ASCII and controls in names', () => {
    expect(checkHeaderName('X-Test:')).toMatch(/colon/);
    expect(checkHeaderName('X Test')).toMatch(/spaces/);
    expect(checkHeaderName('X-Tést')).toMatch(/"é" is not allowed/);
    expect(checkHeaderName('')).toMatch(/Enter a header name/);
    expect(checkHeaderName('X'.repeat(77))).toMatch(/at most 76/);
  });

  it('refuse line breaks in values (header injection)', () => {
    expect(checkHeaderValue('ok\r\nBcc: eve@example.com')).toMatch(/line break/);
    expect(checkHeaderValue('nul\0')).toMatch(/control character/);
  });

  it('refuse the headers the composer owns, and say where to set them', () => {
    for (const name of ['From', 'to', 'CC', 'Bcc', 'Subject', 'Date', 'Message-ID', 'MIME-Version', 'content-type']) {
      expect(checkHeaderName(name), name).toMatch(/cannot be given as an extra header/);
    }
    expect(checkHeaderName('Subject')).toMatch(/Subject field/);
    expect(checkHeaderName('Message-Id')).toMatch(/generated by the composer/);
  });

  it('ignore an empty row, and flag a duplicate name', () => {
    expect(checkHeaderRow({ id: 'h1', name: '', value: '' })).toEqual({});
    const check = checkComposeForm(
      form({
        from: 'a@x.example',
        to: 'b@x.example',
        headers: [
          { id: 'h1', name: 'X-Test', value: '1' },
          { id: 'h2', name: 'x-test', value: '2' },
        ],
      }),
    );
    expect(check.headers.h2?.name).toMatch(/already given/);
    expect(check.ok).toBe(false);
  });
});

describe('form to ComposeSettings', () => {
  const filled = form({
    from: 'Ann Example <ann@example.net>',
    to: 'bob@example.org, "Doe, Jane" <jane@example.org>',
    cc: 'carol@example.org',
    bcc: 'hidden@example.com',
    replyTo: 'replies@example.net',
    subject: 'Test',
    text: 'Hello',
    headers: [
      { id: 'h1', name: ' X-Test ', value: 'yes' },
      { id: 'h2', name: '', value: '' },
    ],
  });

  it('keeps display names for the headers, drops empty header rows, and leaves defaults out', () => {
    const result = toComposeSettings(filled);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.settings).toEqual({
      from: 'Ann Example <ann@example.net>',
      to: ['bob@example.org', '"Doe, Jane" <jane@example.org>'],
      cc: ['carol@example.org'],
      bcc: ['hidden@example.com'],
      replyTo: ['replies@example.net'],
      subject: 'Test',
      text: 'Hello',
      headers: [{ name: 'X-Test', value: 'yes' }],
      attachments: [],
      smtpUtf8: false,
      utf8Headers: false,
      bdat: 'auto',
      forceParams: false,
      prdr: false,
    });
  });

  it('adds HTML only when given', () => {
    const result = toComposeSettings({ ...filled, html: '<p>Hello</p>' });
    expect(result.ok && result.settings.html).toBe('<p>Hello</p>');
    expect(
      toComposeSettings({ ...filled, html: '  \n' }).ok && 'html' in (toComposeSettings(filled) as { settings: object }).settings,
    ).toBe(false);
  });

  it('maps the envelope override, <> being the null sender', () => {
    const result = toComposeSettings({ ...filled, envelopeFrom: '<>', envelopeTo: '<x@example.org>\ny@example.org' });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.settings.envelopeFrom).toBe('');
    expect(result.settings.envelopeTo).toEqual(['x@example.org', 'y@example.org']);
    const plain = toComposeSettings({ ...filled, envelopeFrom: 'bounce@example.net' });
    expect(plain.ok && plain.settings.envelopeFrom).toBe('bounce@example.net');
  });

  it('maps DSN: RET, ENVID, NOTIFY never or events, ORCPT; nothing when untouched', () => {
    expect(toDsnSettings(DEFAULT_DSN_FORM)).toBeUndefined();
    expect(
      toDsnSettings({
        ...DEFAULT_DSN_FORM,
        ret: 'HDRS',
        envid: ' run-42 ',
        notify: 'events',
        success: true,
        failure: true,
        delay: false,
        orcpt: true,
      }),
    ).toEqual({
      ret: 'HDRS',
      envid: 'run-42',
      notify: ['SUCCESS', 'FAILURE'],
      orcpt: true,
    });
    expect(toDsnSettings({ ...DEFAULT_DSN_FORM, notify: 'never', success: true })).toEqual({ notify: ['NEVER'] });
    const result = toComposeSettings({
      ...filled,
      dsn: { ...DEFAULT_DSN_FORM, ret: 'FULL' },
      smtpUtf8: true,
      utf8Headers: true,
      bdat: 'on',
      forceParams: true,
    });
    expect(result.ok && result.settings).toMatchObject({
      dsn: { ret: 'FULL' },
      smtpUtf8: true,
      utf8Headers: true,
      bdat: 'on',
      forceParams: true,
    });
  });

  it('refuses bad DSN input in words', () => {
    const check = checkComposeForm({
      ...filled,
      dsn: { ...DEFAULT_DSN_FORM, envid: 'ü', notify: 'events', success: false, failure: false, delay: false },
    });
    expect(check.envidError).toMatch(/printable ASCII/);
    expect(check.notifyError).toMatch(/at least one/);
    expect(check.ok).toBe(false);
  });

  it('names every blocking problem with the contract path', () => {
    const result = toComposeSettings(
      form({
        from: 'not an address',
        to: 'ok@example.org, broken@',
        subject: 'line\nbreak',
        headers: [{ id: 'h1', name: 'Subject', value: 'x' }],
        envelopeTo: 'Bob <bob@example.org>',
      }),
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('invalid-input');
    expect(result.error.issues?.map((i) => i.path)).toEqual(['from', 'to', 'subject', 'headers.0.name', 'envelopeTo']);
    expect(result.error.issues?.find((i) => i.path === 'to')?.message).toMatch(/^broken@: Nothing after the @/);
  });

  it('labels issue paths as the form does', () => {
    expect(fieldLabel('headers.2.value')).toBe('Header 3 value');
    expect(fieldLabel('message.to.1')).toBe('To');
    expect(fieldLabel('envelopeTo')).toBe('RCPT TO');
    expect(fieldLabel('message.somethingElse')).toBe('somethingElse');
  });

  it('requires a sender, one sender only, and a recipient somewhere', () => {
    expect(checkComposeForm(form({ to: 'b@x.example' })).fromError).toMatch(/Enter the sender/);
    expect(checkComposeForm(form({ from: 'a@x.example, c@x.example', to: 'b@x.example' })).fromError).toMatch(/one address/);
    expect(checkComposeForm(form({ from: 'a@x.example' })).recipientsError).toMatch(/at least one recipient/);
    // Bcc alone, or RCPT TO alone, is enough.
    expect(checkComposeForm(form({ from: 'a@x.example', bcc: 'b@x.example' })).ok).toBe(true);
    expect(checkComposeForm(form({ from: 'a@x.example', envelopeTo: 'b@x.example' })).ok).toBe(true);
  });

  it('derives the default envelope as the composer does, and says when SMTPUTF8 is needed', () => {
    expect(defaultEnvelope(filled)).toEqual({
      from: 'ann@example.net',
      to: ['bob@example.org', 'jane@example.org', 'carol@example.org', 'hidden@example.com'],
    });
    expect(checkComposeForm({ ...filled, to: 'jörg@example.org' }).utf8Reasons).toEqual(['an envelope address has non-ASCII characters']);
    expect(checkComposeForm({ ...filled, subject: 'Grüße' }).utf8Reasons).toEqual([]);
    expect(checkComposeForm({ ...filled, subject: 'Grüße', utf8Headers: true }).utf8Reasons).toHaveLength(1);
  });

  it('passes attachments: paths by path, browser files by their upload id with a clean name (never their bytes)', () => {
    const result = toComposeSettings(filled, [
      { id: 'a1', kind: 'path', name: 'report.pdf', size: 10, path: '/home/me/report.pdf' },
      { id: 'a2', kind: 'upload', name: 'bad\nname.txt', size: 5, contentType: 'text/plain', uploadId: 'up1' },
    ]);
    expect(result.ok && result.settings.attachments).toEqual([
      { path: '/home/me/report.pdf' },
      { upload: 'up1', filename: 'bad_name.txt', contentType: 'text/plain' },
    ]);
  });
});

describe('attachments', () => {
  it('format sizes and enforce the limits with a clear message', () => {
    expect(formatBytes(1)).toBe('1 byte');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(MAX_UPLOAD_BYTES)).toBe('256.0 MB');
    expect(checkUploadSize('small.txt', 100)).toBeUndefined();
    expect(checkUploadSize('big.iso', MAX_UPLOAD_BYTES + 1)).toMatch(
      /^big\.iso is 256\.0 MB; in the browser one attachment can be at most 256\.0 MB/,
    );
    expect(checkAttachmentCount(49, 1)).toBeUndefined();
    expect(checkAttachmentCount(49, 2)).toMatch(/at most 50/);
  });

  it('clean file names for the contract', () => {
    expect(safeFilename('\r\n')).toBe('__');
    expect(safeFilename('')).toBe('attachment');
    expect(toAttachmentSettings([{ id: 'a', kind: 'path', name: 'x\ty', size: 1, path: '/x\ty' }])).toEqual([
      { path: '/x\ty', filename: 'x_y' },
    ]);
  });
});

// ---------------------------------------------------------------------------------------------

const reply = (code: number, text: string, enhancedCode?: string) => ({ code, text, ...(enhancedCode ? { enhancedCode } : {}) });

function record(recipients: RecipientOutcome[], patch: Partial<SessionRecord> = {}): SessionRecord {
  return {
    version: 1,
    tool: 'smtp-lens',
    operation: 'session',
    startedAt: '2025-01-01T00:00:00.000Z',
    durationMs: 10,
    target: { protocol: 'smtp', tls: 'off', host: '127.0.0.1', port: 2525, ehloName: 'x' },
    capabilities: [],
    events: [],
    recipients,
    message: {
      envelopeFrom: 'a@x.example',
      envelopeTo: recipients.map((r) => r.address),
      size: 100,
      wireBytes: 105,
      method: 'DATA',
      mailParams: [],
    },
    result: { ok: true, verdict: 'delivered' },
    ...patch,
  };
}

describe('outcome grid', () => {
  const delivered: RecipientOutcome = {
    address: 'ok@x.example',
    accepted: true,
    rcpt: reply(250, 'Accepted', '2.1.5'),
    data: reply(250, 'OK: queued as 123', '2.0.0'),
    delivered: true,
  };
  const refused: RecipientOutcome = {
    address: 'refuse@x.example',
    accepted: false,
    rcpt: reply(550, 'No such user', '5.1.1'),
    delivered: false,
    failure: 'permanent',
  };
  const deferred: RecipientOutcome = {
    address: 'tempfail@x.example',
    accepted: false,
    rcpt: reply(451, 'Try later', '4.3.0'),
    delivered: false,
    failure: 'temporary',
  };

  it('one row per recipient with the RCPT reply, the data reply and plain words', () => {
    const rows = outcomeRows(record([delivered, refused, deferred], { result: { ok: false, verdict: 'partial' } }));
    expect(rows.map((r) => [r.address, r.status, r.label])).toEqual([
      ['ok@x.example', 'delivered', 'Delivered'],
      ['refuse@x.example', 'permanent', 'Refused'],
      ['tempfail@x.example', 'temporary', 'Deferred'],
    ]);
    expect(rows[0]).toMatchObject({ rcpt: { code: 250, enhancedCode: '2.1.5' }, data: { code: 250 }, perRecipientData: false });
    expect(rows[1]?.explanation).toMatch(/Refused at RCPT TO \(5xx, permanent\)/);
    expect(rows[2]?.explanation).toMatch(/try again later/);
    expect(rows[1]?.data).toBeUndefined();
    expect(formatReply(rows[1]!.rcpt)).toBe('550 5.1.1 No such user');
  });

  it('LMTP: a refusal after the data is per recipient', () => {
    const overQuota: RecipientOutcome = {
      address: 'overquota@x.example',
      accepted: true,
      rcpt: reply(250, 'OK'),
      data: reply(552, 'Mailbox full', '5.2.2'),
      delivered: false,
      failure: 'permanent',
    };
    const lmtp = record([delivered, overQuota], {
      target: { protocol: 'lmtp', tls: 'off', socketPath: '/run/lmtp', ehloName: 'x' },
      result: { ok: false, verdict: 'partial' },
    });
    const rows = outcomeRows(lmtp);
    expect(rows[1]).toMatchObject({ status: 'permanent', perRecipientData: true });
    expect(rows[1]?.explanation).toMatch(/then refused after the data, for this mailbox \(LMTP\)/);
  });

  it('a recipient accepted but never given the message is "not delivered"', () => {
    const rows = outcomeRows(record([{ address: 'x@x.example', accepted: true, rcpt: reply(250, 'OK'), delivered: false }]));
    expect(rows[0]).toMatchObject({ status: 'not-sent', label: 'Not delivered' });
  });

  it('PRDR: each recipient has its own reply after the data, explained as such', () => {
    const rows = outcomeRows(
      record(
        [
          { address: 'b@x.example', accepted: true, rcpt: reply(250, 'OK'), data: reply(250, 'ok for b'), delivered: true },
          {
            address: 'c@x.example',
            accepted: true,
            rcpt: reply(250, 'OK'),
            data: reply(550, 'no'),
            delivered: false,
            failure: 'permanent',
          },
        ],
        {
          message: {
            envelopeFrom: 'a@x.example',
            envelopeTo: ['b@x.example', 'c@x.example'],
            size: 1,
            wireBytes: 1,
            method: 'DATA',
            mailParams: ['PRDR'],
            prdr: { intro: reply(353, 'PRDR'), final: reply(250, 'OK') },
          },
        },
      ),
    );
    expect(rows.map((r) => [r.status, r.perRecipientData])).toEqual([
      ['delivered', true],
      ['permanent', true],
    ]);
    expect(rows[0]!.explanation).toBe('Accepted for this recipient after the data (PRDR).');
    expect(rows[1]!.explanation).toMatch(/then refused after the data, for this recipient \(PRDR\)/);
  });

  it('a recipient whose answer never came after the message was sent is "unknown", not refused', () => {
    const rows = outcomeRows(
      record([{ address: 'x@x.example', accepted: true, rcpt: reply(250, 'OK'), delivered: false, failure: 'unknown' }], {
        result: { ok: false, verdict: 'unknown' },
      }),
    );
    expect(rows[0]).toMatchObject({ status: 'unknown', label: 'Unknown' });
    expect(rows[0]?.explanation).toMatch(/may have been delivered/);
    const summary = verdictSummary(
      record([{ address: 'x@x.example', accepted: true, rcpt: reply(250, 'OK'), delivered: false, failure: 'unknown' }], {
        result: { ok: false, verdict: 'unknown' },
      }),
    );
    expect(summary).toMatchObject({ verdict: 'unknown', tone: 'unknown', title: 'Delivery unknown' });
  });

  it('verdict words: all, partly, none', () => {
    expect(verdictSummary(record([delivered]))).toMatchObject({ verdict: 'delivered', tone: 'ok', title: 'Delivered to the recipient' });
    expect(verdictSummary(record([delivered, { ...delivered, address: 'b@x.example' }]))).toMatchObject({
      title: 'Delivered to all 2 recipients',
    });
    const partial = verdictSummary(
      record([delivered, refused, deferred], {
        result: { ok: false, verdict: 'partial', error: { code: 'some-recipients-refused', message: 'delivered to some recipients only' } },
      }),
    );
    expect(partial).toMatchObject({
      verdict: 'partial',
      tone: 'partial',
      title: 'Partly delivered: 1 of 3 recipients',
      delivered: 1,
      total: 3,
    });
    expect(partial.detail).toMatch(/some recipients only/);
    const none = verdictSummary(
      record([refused, deferred], {
        result: { ok: false, verdict: 'none', error: { code: 'recipients-refused', message: 'the server refused every recipient' } },
      }),
    );
    expect(none).toMatchObject({
      verdict: 'none',
      tone: 'error',
      title: 'Not delivered to any of the 2 recipients',
      detail: 'the server refused every recipient',
    });
    // Without a verdict in the result, it is worked out from the recipients.
    expect(verdictSummary(record([delivered, refused], { result: { ok: false } })).verdict).toBe('partial');
    // Sender refused: no recipients at all.
    const sender = verdictSummary(
      record([], {
        message: undefined,
        result: { ok: false, error: { code: 'sender-refused', message: 'the server refused the sender' } },
      }),
    );
    expect(sender).toMatchObject({ verdict: 'none', title: 'Not delivered', detail: 'the server refused the sender' });
  });
});

describe('planned transaction', () => {
  const preview: MessagePreview = {
    envelopeFrom: 'ann@example.net',
    envelopeTo: ['bob@example.org', 'jörg@example.org'],
    size: 1234,
    raw: '',
    truncated: false,
    needsSmtpUtf8: true,
    eightBit: true,
  };

  it('lists the MAIL FROM and RCPT TO parameters and the extensions they need', () => {
    const plan = plannedTransaction(preview, {
      from: 'ann@example.net',
      dsn: { ret: 'HDRS', envid: 'id 1+2', notify: ['SUCCESS', 'FAILURE'], orcpt: true },
      bdat: 'off',
    });
    expect(plan.mailFrom).toBe('MAIL FROM:<ann@example.net>');
    expect(plan.mailParams.map((p) => p.param)).toEqual(['SIZE=1234', 'BODY=8BITMIME', 'SMTPUTF8', 'RET=HDRS', 'ENVID=id+201+2B2']);
    expect(plan.mailParams[0]).toMatchObject({ extension: 'SIZE', optional: true });
    expect(plan.rcpts[0]).toEqual({
      line: 'RCPT TO:<bob@example.org>',
      params: [
        { param: 'NOTIFY=SUCCESS,FAILURE', extension: 'DSN', optional: false },
        { param: 'ORCPT=rfc822;bob@example.org', extension: 'DSN', optional: false },
      ],
    });
    expect(plan.rcpts[1]?.params[1]?.param).toBe('ORCPT=utf-8;j+C3+B6rg@example.org');
    expect(plan.method).toBe('DATA');
    expect(plan.missingExtensions).toMatch(/not supported/);
  });

  it('xtext-encodes like the engine', () => {
    expect(xtext('a+b=c d')).toBe('a+2Bb+3Dc+20d');
  });
});

// ---------------------------------------------------------------------------------------------
// The slice, against a stand-in for the session slice (its `runOperation`/`sessionStep` contract).

type Shell = Pick<AppState, 'session' | 'runOperation' | 'sessionStep' | 'cancelSession'>;

function harness(
  options: { open?: boolean; api?: Partial<AppApi>; shell?: Partial<Shell>; runs?: SessionRecord | undefined; hold?: boolean } = {},
) {
  const sent: { sessionId: string; message: ComposeSettings }[] = [];
  const delivered = record([
    { address: 'b@x.example', accepted: true, rcpt: reply(250, 'OK'), data: reply(250, 'queued'), delivered: true },
  ]);
  const api = {
    canPickFiles: () => false,
    pickFiles: async () => ({ ok: true, value: [] }),
    previewMessage: async (message: ComposeSettings): Promise<Result<MessagePreview>> => ({
      ok: true,
      value: {
        envelopeFrom: 'a@x.example',
        envelopeTo: message.to ?? [],
        size: 10,
        raw: 'From: a@x.example\r\n',
        truncated: false,
        needsSmtpUtf8: false,
        eightBit: false,
      },
    }),
    send: async (sessionId: string, message: ComposeSettings): Promise<Result<SessionRecord>> => {
      sent.push({ sessionId, message });
      return { ok: true, value: delivered };
    },
    ...options.api,
  } as unknown as AppApi;

  const shellCalls: string[] = [];
  /** Lets a test hold the run open (to feed progress) before it ends. */
  const control: { release?: () => void } = {};
  const store = createStore<AppState>()(
    (set, get, store) =>
      ({
        ...createComposeSlice(api)(set, get, store),
        session: { status: 'idle', open: options.open ?? false, cancelling: false, commandHistory: [] },
        async runOperation(operation: string, message?: ComposeSettings) {
          shellCalls.push(`run:${operation}`);
          // Main answered with the id: the session slice shows it.
          set({ session: { ...get().session, status: 'running', sessionId: 'own-1' } } as Partial<AppState>);
          if (message) sent.push({ sessionId: 'own-1', message });
          if (options.hold) await new Promise<void>((resolve) => (control.release = resolve));
          set({ session: { ...get().session, status: 'done' } } as Partial<AppState>);
          return 'runs' in options ? options.runs : delivered;
        },
        async sessionStep(activity: string, work: (id: string) => Promise<Result<SessionRecord>>) {
          shellCalls.push(`step:${activity}`);
          const result = await work('open-1');
          return result.ok ? result.value : undefined;
        },
        async cancelSession() {
          shellCalls.push('cancel');
        },
        ...options.shell,
      }) as unknown as AppState,
  );
  const fill = () => {
    const s = store.getState();
    s.setComposeField('from', 'a@x.example');
    s.setComposeField('to', 'b@x.example');
  };
  return { store, api, sent, shellCalls, fill, control };
}

describe('compose slice', () => {
  it('refuses to send an invalid form, without a request', async () => {
    const h = harness();
    await h.store.getState().sendMessage();
    expect(h.store.getState().compose.send).toMatchObject({ stage: 'done', failedStep: 'form', error: { code: 'invalid-input' } });
    expect(h.shellCalls).toEqual([]);
  });

  it('without an open session: one run of main (connect, AUTH, the message, QUIT) with the message', async () => {
    const h = harness();
    h.fill();
    await h.store.getState().sendMessage();
    expect(h.shellCalls).toEqual(['run:send']);
    expect(h.sent).toEqual([{ sessionId: 'own-1', message: expect.objectContaining({ from: 'a@x.example', to: ['b@x.example'] }) }]);
    const send = h.store.getState().compose.send;
    expect(send).toMatchObject({ stage: 'done', ownSession: true, sessionId: 'own-1' });
    expect(send.error).toBeUndefined();
    expect(send.record?.recipients?.[0]?.delivered).toBe(true);
  });

  it('with an open session: sends on it (it stays open)', async () => {
    const h = harness({ open: true });
    h.fill();
    await h.store.getState().sendMessage();
    expect(h.shellCalls).toEqual(['step:send']);
    expect(h.store.getState().compose.send).toMatchObject({
      stage: 'done',
      ownSession: false,
      record: { recipients: [{ delivered: true }] },
    });
  });

  it('refuses while another operation runs on the session', async () => {
    const h = harness({ shell: { session: { status: 'running', open: true, cancelling: false, commandHistory: [] } } });
    h.fill();
    await h.store.getState().sendMessage();
    expect(h.store.getState().compose.send).toMatchObject({ stage: 'done', error: { code: 'busy' } });
    expect(h.shellCalls).toEqual([]);
  });

  it('reports a failed connection, AUTH or message input as that step, with the record', async () => {
    const failedOpen = record([], {
      recipients: undefined,
      message: undefined,
      result: { ok: false, error: { code: 'connect-failed', message: 'connection refused' } },
    });
    const h = harness({ runs: failedOpen });
    h.fill();
    await h.store.getState().sendMessage();
    expect(h.store.getState().compose.send).toMatchObject({
      stage: 'done',
      failedStep: 'connect',
      error: { code: 'connect-failed' },
      record: failedOpen,
    });

    const failedAuth = record([], {
      recipients: undefined,
      message: undefined,
      auth: { mechanism: 'PLAIN', ok: false, code: 535, text: 'bad', steps: [], durationMs: 1 },
      result: { ok: false, error: { code: 'auth-failed', message: 'authentication failed: 535 bad', replyCode: 535 } },
    });
    const a = harness({ runs: failedAuth });
    a.fill();
    await a.store.getState().sendMessage();
    expect(a.store.getState().compose.send).toMatchObject({ failedStep: 'authenticate', error: { code: 'auth-failed', replyCode: 535 } });

    // An attachment that could not be read: main failed the session before connecting, naming the message.
    const unreadable = record([], {
      recipients: undefined,
      message: undefined,
      greeting: undefined,
      result: { ok: false, error: { code: 'invalid-input', message: 'cannot read x.pdf', stage: 'message' } },
    });
    const m = harness({ runs: unreadable });
    m.fill();
    await m.store.getState().sendMessage();
    expect(m.store.getState().compose.send).toMatchObject({ failedStep: 'send', error: { stage: 'message' } });
  });

  it('reports a refused request as the step it refused', async () => {
    // On the open session: main refused the send (an attachment not picked in a dialog).
    const h = harness({
      open: true,
      api: {
        send: async () => ({
          ok: false,
          error: { code: 'forbidden', message: 'the file "x" was not picked in a file dialog; attach it again' },
        }),
      },
    });
    h.fill();
    await h.store.getState().sendMessage();
    expect(h.store.getState().compose.send).toMatchObject({ stage: 'done', failedStep: 'send', error: { code: 'forbidden' } });

    // session.run refused for the message: no session was made.
    const r = harness({
      runs: undefined,
      shell: {
        session: {
          status: 'idle',
          open: false,
          cancelling: false,
          commandHistory: [],
          error: { code: 'forbidden', message: 'the file "x" was not picked' },
        },
        runOperation: (async () => undefined) as unknown as Shell['runOperation'],
      },
    });
    r.fill();
    await r.store.getState().sendMessage();
    expect(r.store.getState().compose.send).toMatchObject({ stage: 'done', failedStep: 'send', error: { code: 'forbidden' } });
  });

  it('follows the progress of its own session only: connecting, the body bytes, QUIT', async () => {
    const h = harness({ hold: true });
    h.fill();
    const sending = h.store.getState().sendMessage();
    await vi.waitFor(() => expect(h.control.release).toBeDefined());
    expect(h.store.getState().compose.send.stage).toBe('connecting');
    h.store.getState().setSendProgress({ sessionId: 'someone-else', bytesSent: 1, totalBytes: 2 });
    expect(h.store.getState().compose.send).toMatchObject({ stage: 'connecting' });
    expect(h.store.getState().compose.send.progress).toBeUndefined();
    h.store.getState().setSendProgress({ sessionId: 'own-1', stage: { name: 'reply', command: 'MAIL FROM:' }, elapsedMs: 1 });
    expect(h.store.getState().compose.send).toMatchObject({ stage: 'sending', sessionId: 'own-1' });
    h.store.getState().setSendProgress({ sessionId: 'own-1', stage: { name: 'body' }, bytesSent: 512, totalBytes: 1024 });
    expect(h.store.getState().compose.send.progress).toEqual({ bytesSent: 512, totalBytes: 1024 });
    h.store.getState().setSendProgress({ sessionId: 'own-1', stage: { name: 'reply', command: 'QUIT' }, elapsedMs: 0 });
    expect(h.store.getState().compose.send.stage).toBe('closing');
    await h.store.getState().cancelSend();
    expect(h.shellCalls).toContain('cancel');
    h.control.release?.();
    await sending;
    expect(h.store.getState().compose.send).toMatchObject({ stage: 'done', progress: { bytesSent: 512, totalBytes: 1024 } });
  });

  it('previews: the settings and the answer are kept, and an edit marks the preview stale', async () => {
    const h = harness();
    h.fill();
    await h.store.getState().previewMessage();
    const preview = h.store.getState().compose.preview;
    expect(preview).toMatchObject({
      status: 'done',
      stale: false,
      value: { envelopeTo: ['b@x.example'] },
      settings: { to: ['b@x.example'] },
    });
    h.store.getState().setComposeField('subject', 'changed');
    expect(h.store.getState().compose.preview.stale).toBe(true);

    const bad = harness();
    await bad.store.getState().previewMessage();
    expect(bad.store.getState().compose.preview).toMatchObject({ status: 'done', error: { code: 'invalid-input' } });
  });

  it('manages header rows and attachments, refusing past 50 attachments', () => {
    const h = harness();
    const s = () => h.store.getState();
    const id = s().addHeaderRow();
    s().updateHeaderRow(id, { name: 'X-Test', value: '1' });
    expect(s().compose.form.headers).toEqual([{ id, name: 'X-Test', value: '1' }]);
    s().removeHeaderRow(id);
    expect(s().compose.form.headers).toEqual([]);

    s().addAttachments([{ kind: 'upload', name: 'a.txt', size: 1, uploadId: 'u1' }]);
    expect(s().compose.attachments).toHaveLength(1);
    s().addAttachments(Array.from({ length: 50 }, (_, i) => ({ kind: 'path' as const, name: `f${i}`, size: 1, path: `/f${i}` })));
    expect(s().compose.attachments).toHaveLength(1);
    expect(s().compose.attachmentError).toMatch(/at most 50/);
    s().removeAttachment(s().compose.attachments[0]!.id);
    expect(s().compose.attachments).toEqual([]);
    expect(s().compose.attachmentError).toBeUndefined();
  });
});

describe('compose slice with the real session slice', () => {
  const delivered = (address: string): RecipientOutcome => ({
    address,
    accepted: true,
    rcpt: reply(250, 'OK'),
    data: reply(250, 'queued'),
    delivered: true,
  });

  it('a send with no open session is one session.run request; the record told at its end keeps the outcome', async () => {
    const sentRecord = record([delivered('b@x.example')], { operation: 'send' });
    const api = fakeApi({}, { runRecord: () => sentRecord });
    const store = createAppStore(api, { storage: memoryStorage() });
    connectStoreToEvents(store, api);
    const s = () => store.getState();
    s().setConnectionField('host', '127.0.0.1');
    s().setConnectionField('port', '2525');
    s().setAuthField('user', 'tester');
    s().setAuthField('secret', 'pw-123456');
    s().setComposeField('from', 'a@x.example');
    s().setComposeField('to', 'b@x.example');
    await s().sendMessage();

    const sessionCalls = api.calls.map((c) => c.method).filter((m) => !['listSessions', 'canPickFiles'].includes(m));
    expect(sessionCalls).toEqual(['runSession']);
    expect(api.calls.find((c) => c.method === 'runSession')?.args[0]).toMatchObject({
      operation: 'send',
      connection: { host: '127.0.0.1', port: 2525 },
      auth: { user: 'tester', secret: 'pw-123456' },
      message: { from: 'a@x.example', to: ['b@x.example'] },
    });
    expect(s().compose.send).toMatchObject({ stage: 'done', ownSession: true, sessionId: 's1' });
    expect(s().compose.send.error).toBeUndefined();
    expect(s().compose.send.record?.recipients?.[0]?.delivered).toBe(true);
    // The session slice shows the same session (Overview, Transcript) and is done with it.
    expect(s().session).toMatchObject({ status: 'done', open: false, activity: 'send', sessionId: 's1' });
  });

  it('shows the connection form problems as a failed "connect" step, without a request', async () => {
    const api = fakeApi();
    const store = createAppStore(api, { storage: memoryStorage() });
    store.getState().setComposeField('from', 'a@x.example');
    store.getState().setComposeField('to', 'b@x.example');
    await store.getState().sendMessage();
    expect(store.getState().compose.send).toMatchObject({ stage: 'done', failedStep: 'connect', error: { code: 'invalid-input' } });
    expect(api.calls.some((c) => c.method === 'runSession' || c.method === 'send')).toBe(false);
  });
});
