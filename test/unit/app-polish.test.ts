import { describe, expect, it } from 'vitest';
import { adviseError, appHint } from '../../shared/explain/error-advice.js';
import { compressIpv6 } from '../../electron/smtp/transport/tls-info.js';
import { DEFAULT_AUTH_FORM, DEFAULT_CONNECTION_FORM } from '../../renderer/src/store/connection-form.js';
import { FORMS_KEY, loadPersisted, savePersisted, toPersisted } from '../../renderer/src/store/persisted-forms.js';
import { formsFromProfile, profileModified } from '../../renderer/src/store/profiles-slice.js';
import { DEFAULT_COMPOSE_FORM } from '../../renderer/src/lib/compose/form.js';
import { bytesWords, elapsedWords, formatWait, stageWords } from '../../renderer/src/features/status/live-status.js';
import { memoryStorage } from './renderer/fake-api.js';
import type { ProfileSummary } from '../../shared/ipc/contract.js';

describe('errors in plain words, each with what to do', () => {
  it('tells refused, not found, unreachable and timed out apart', () => {
    expect(
      adviseError({ code: 'connect-failed', message: 'cannot connect to 127.0.0.1:1: connect ECONNREFUSED 127.0.0.1:1' }),
    ).toMatchObject({
      title: 'Connection refused',
      action: { kind: 'field', field: 'port' },
    });
    expect(
      adviseError({ code: 'connect-failed', message: 'cannot connect to nx.example:25: getaddrinfo ENOTFOUND nx.example' }),
    ).toMatchObject({
      title: 'Host name not found',
      action: { kind: 'field', field: 'host' },
    });
    expect(adviseError({ code: 'connect-failed', message: 'connect EHOSTUNREACH 10.0.0.1:25' }).title).toBe('No route to the host');
    expect(adviseError({ code: 'timeout', message: 'connecting to x:25 timed out after 30s (connect)', stage: 'connect' }).title).toBe(
      'Connection timed out',
    );
    expect(adviseError({ code: 'connect-failed', message: 'something else' }).title).toBe('Could not connect');
  });

  it('a TLS mode that does not fit the port offers the one that does', () => {
    const advice = adviseError({
      code: 'tls-failed',
      message: 'TLS handshake with 127.0.0.1:25 failed: the server did not answer in TLS (wrong version number)',
      hint: 'this port speaks plaintext SMTP, not implicit TLS: try STARTTLS (--tls starttls), or no TLS',
      suggestTls: 'starttls',
    });
    expect(advice.title).toBe('This port does not speak TLS first');
    expect(advice.text).not.toMatch(/wrong version number/);
    expect(advice.action).toEqual({ kind: 'switch-tls', tls: 'starttls', label: 'Retry with STARTTLS' });
    expect(adviseError({ code: 'timeout', message: 'no greeting', stage: 'greeting', suggestTls: 'implicit' }).action).toMatchObject({
      tls: 'implicit',
    });
    expect(appHint('try STARTTLS (--tls starttls), or no TLS')).toBe('try STARTTLS, or no TLS');
  });

  it('a refused password points at the password', () => {
    expect(adviseError({ code: 'auth-failed', message: 'authentication failed: 535' }).action).toMatchObject({
      kind: 'field',
      field: 'password',
    });
  });
});

describe('the live status line', () => {
  it('names the stage, the wait of its timeout, and the body sent', () => {
    expect(stageWords({ name: 'reply', command: 'greeting', timeoutMs: 300_000 }, 'x')).toBe('Waiting for the greeting…');
    expect(stageWords({ name: 'reply', command: 'final dot' }, 'x')).toBe('Waiting for the answer to the message…');
    expect(stageWords({ name: 'reply', command: 'EHLO' }, 'x')).toBe('Waiting for the answer to EHLO…');
    expect(stageWords(undefined, 'Probing…')).toBe('Probing…');
    expect(elapsedWords(12_400, 300_000)).toBe('12 s of 5 min');
    expect(formatWait(65_000)).toBe('1 min 05 s');
    expect(bytesWords(14.2 * 1048576, 28.6 * 1048576)).toBe('14.2 of 28.6 MB');
    expect(bytesWords(20_000, 40_960)).toBe('20 of 40 KB');
    expect(bytesWords(512, 1024)).toBe('512 of 1,024 bytes');
  });
});

describe('IPv6 in certificates', () => {
  it('is shown compressed', () => {
    expect(compressIpv6('0:0:0:0:0:0:0:1')).toBe('::1');
    expect(compressIpv6('2001:0db8:0000:0000:0000:ff00:0042:8329')).toBe('2001:db8::ff00:42:8329');
    expect(compressIpv6('127.0.0.1')).toBe('127.0.0.1');
    expect(compressIpv6('not:an:address:zz')).toBe('not:an:address:zz');
  });
});

describe('forms kept across a reload', () => {
  const state = {
    connection: {
      ...DEFAULT_CONNECTION_FORM,
      host: 'mx.example.net',
      clientKeyPem: '-----BEGIN PRIVATE KEY-----\nSECRETKEY',
      clientKeyName: 'k.pem',
    },
    auth: { ...DEFAULT_AUTH_FORM, user: 'alice', secret: 'hunter2-secret', useStored: true },
    compose: {
      form: { ...DEFAULT_COMPOSE_FORM, subject: 'draft', headers: [{ id: 'h1', name: 'X-Test', value: '1' }] },
      attachments: [{ id: 'a1', kind: 'upload' as const, name: 'r.pdf', size: 5, uploadId: 'u1' }],
    },
    profiles: { list: [], busy: false, activeId: 'p1' },
    reports: {
      resolver: '127.0.0.1:5353',
      domainForm: { domain: 'example.org', port: '', deadlineSeconds: '30' },
      matrixForm: { ports: '25, 587', modes: { off: true, starttls: true, implicit: false } },
    },
  };

  it('keeps the forms and the draft, never the password or a key', () => {
    const storage = memoryStorage();
    savePersisted(storage, toPersisted(state as never));
    const raw = storage.data.get(FORMS_KEY)!;
    expect(raw).not.toContain('hunter2');
    expect(raw).not.toContain('SECRETKEY');
    const back = loadPersisted(storage)!;
    expect(back.connection.host).toBe('mx.example.net');
    expect(back.connection.clientKeyPem).toBe('');
    expect(back.auth).toMatchObject({ user: 'alice', secret: '', useStored: false });
    expect(back.compose.form.subject).toBe('draft');
    // Rows get ids of their own (the slice numbers new ones from 1 again).
    expect(back.compose.form.headers).toEqual([{ id: 'hp0', name: 'X-Test', value: '1' }]);
    expect(back.compose.attachments).toEqual([{ id: 'ap0', kind: 'upload', name: 'r.pdf', size: 5, uploadId: 'u1' }]);
    expect(back.activeProfileId).toBe('p1');
    expect(back.reports).toEqual(state.reports);
  });

  it('ignores what it cannot read, and fields of the wrong type', () => {
    expect(loadPersisted(memoryStorage({ [FORMS_KEY]: '{not json' }))).toBeUndefined();
    expect(loadPersisted(memoryStorage())).toBeUndefined();
    const odd = loadPersisted(
      memoryStorage({
        [FORMS_KEY]: JSON.stringify({
          connection: { host: 42, port: '2525', bogus: true },
          compose: { attachments: [{ kind: 'inline' }] },
        }),
      }),
    )!;
    expect(odd.connection.host).toBe(DEFAULT_CONNECTION_FORM.host);
    expect(odd.connection.port).toBe('2525');
    expect('bogus' in odd.connection).toBe(false);
    expect(odd.compose.attachments).toEqual([]);
  });
});

describe('a profile in use, modified', () => {
  const profile: ProfileSummary = {
    id: 'p1',
    name: 'Office',
    connection: { host: 'mx.example.net', port: 587, tls: 'starttls' },
    auth: { mechanism: 'auto', user: 'alice' },
    hasSecret: true,
    hasClientKey: false,
    updatedAt: '',
  };
  it('is the same as loaded (a typed password aside), and modified once a field differs', () => {
    const { connection, auth } = formsFromProfile(profile);
    expect(profileModified(profile, connection, auth)).toBe(false);
    expect(profileModified(profile, connection, { ...auth, secret: 'typed', useStored: false })).toBe(false);
    expect(profileModified(profile, { ...connection, host: 'other.example' }, auth)).toBe(true);
    expect(profileModified(profile, connection, { ...auth, user: 'bob' })).toBe(true);
  });
});
