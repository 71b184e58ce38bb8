import { describe, expect, it } from 'vitest';
import type { TestServerListener } from '../../../shared/ipc/contract.js';
import {
  checkPem,
  DEFAULT_AUTH_FORM,
  DEFAULT_CONNECTION_FORM,
  defaultPort,
  describeForm,
  formForListener,
  formFromSettings,
  issuesByField,
  toAuthSettings,
  toConnectionSettings,
  validateAuth,
  validateConnection,
  withPort,
  withProtocol,
  withTls,
  type ConnectionForm,
} from '../../../renderer/src/store/connection-form.js';

const CERT = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const KEY = '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n';
const form = (patch: Partial<ConnectionForm> = {}): ConnectionForm => ({ ...DEFAULT_CONNECTION_FORM, ...patch });
const fields = (f: ConnectionForm, required = true) => issuesByField(validateConnection(f, { required }));

describe('connection form: ports and defaults', () => {
  it('defaults: 25 for SMTP, 465 for implicit TLS, 24 for LMTP', () => {
    expect(defaultPort('smtp', 'off')).toBe(25);
    expect(defaultPort('smtp', 'starttls')).toBe(25);
    expect(defaultPort('smtp', 'implicit')).toBe(465);
    expect(defaultPort('lmtp', 'off')).toBe(24);
    expect(defaultPort('lmtp', 'implicit')).toBe(24);
    expect(DEFAULT_CONNECTION_FORM.port).toBe('25');
  });

  it('switching TLS mode or protocol moves an untouched port to the new default', () => {
    let f = withTls(form(), 'implicit');
    expect(f.port).toBe('465');
    f = withTls(f, 'starttls');
    expect(f.port).toBe('25');
    f = withProtocol(f, 'lmtp');
    expect(f.port).toBe('24');
    f = withProtocol(f, 'smtp');
    expect(f.port).toBe('25');
    expect(f.portTouched).toBe(false);
  });

  it('a port the user typed stays, until the field is emptied', () => {
    let f = withPort(form(), '587');
    expect(f.portTouched).toBe(true);
    f = withTls(f, 'implicit');
    expect(f.port).toBe('587');
    f = withProtocol(f, 'lmtp');
    expect(f.port).toBe('587');
    f = withPort(f, '');
    expect(f.portTouched).toBe(false);
    f = withTls(f, 'off');
    expect(f.port).toBe('24');
  });
});

describe('connection form: validation as you type', () => {
  it('reports required fields only once the user tried to start', () => {
    expect(fields(form({ host: '' }), false)).toEqual({});
    expect(fields(form({ host: '' }), true)).toEqual({ host: 'Enter a host name or address.' });
    expect(fields(form({ target: 'socket', socketPath: '' }), true)).toEqual({ socketPath: 'Enter the absolute path of a Unix socket.' });
  });

  it('ports are whole numbers from 1 to 65535', () => {
    for (const bad of ['0', '65536', '70000', '25a', '-1', '2.5', ' 1 2']) {
      expect(fields(form({ host: 'mx', port: bad })).port, bad).toBe('A port is a number from 1 to 65535.');
    }
    for (const good of ['1', '25', '65535', ' 587 ', '']) expect(fields(form({ host: 'mx', port: good })).port, good).toBeUndefined();
  });

  it('refuses CR, LF and NUL in every field that goes on the wire', () => {
    const bad = 'a\r\nRCPT TO:<x>';
    for (const field of ['host', 'servername', 'ciphers', 'ehloName', 'sourceAddress'] as const) {
      expect(fields(form({ host: 'mx', [field]: bad }))[field], field).toMatch(/line breaks/);
    }
    expect(fields(form({ target: 'socket', socketPath: '/run/a\nb' })).socketPath).toMatch(/line breaks/);
    expect(fields(form({ host: 'mx\0' })).host).toMatch(/NUL/);
  });

  it('socket paths are absolute and fit sun_path', () => {
    expect(fields(form({ target: 'socket', socketPath: 'run/lmtp' })).socketPath).toBe('The socket path must be absolute (start with /).');
    expect(fields(form({ target: 'socket', socketPath: './lmtp' })).socketPath).toMatch(/absolute/);
    expect(fields(form({ target: 'socket', socketPath: `/${'x'.repeat(120)}` })).socketPath).toMatch(/107 bytes/);
    expect(fields(form({ target: 'socket', socketPath: '/var/run/dovecot/lmtp' }))).toEqual({});
  });

  it('catches other mistakes people make', () => {
    expect(fields(form({ host: 'mx.example.net:587' })).host).toBe('Put the port in the Port field.');
    expect(fields(form({ host: 'mx example' })).host).toMatch(/no spaces/);
    expect(fields(form({ host: 'mx', ehloName: 'my host' })).ehloName).toMatch(/one word/);
    expect(fields(form({ host: 'mx', minVersion: 'TLSv1.3', maxVersion: 'TLSv1.2' })).maxVersion).toMatch(/cannot be below/);
    expect(fields(form({ host: 'mx', timeoutSeconds: '0' })).timeoutSeconds).toMatch(/more than 0/);
    expect(fields(form({ host: 'mx', timeoutSeconds: 'abc' })).timeoutSeconds).toMatch(/seconds/);
    expect(fields(form({ host: 'mx', deadlineSeconds: '90000' })).deadlineSeconds).toMatch(/at most 86400/);
    expect(fields(form({ host: 'mx', timeoutSeconds: '2.5', deadlineSeconds: '60' }))).toEqual({});
  });

  it('a client certificate needs its key (loaded, or stored with the profile), and a key its certificate', () => {
    expect(fields(form({ host: 'mx', clientCertPem: CERT })).clientKeyPem).toMatch(/Load the private key/);
    expect(fields(form({ host: 'mx', clientCertPem: CERT, clientKeyStored: true }))).toEqual({});
    expect(fields(form({ host: 'mx', clientCertPem: CERT, clientKeyPem: KEY }))).toEqual({});
    expect(fields(form({ host: 'mx', clientKeyPem: KEY })).clientKeyPem).toMatch(/needs a client certificate/);
    expect(fields(form({ host: 'mx', caPem: 'not a pem' })).caPem).toMatch(/no PEM certificate/);
  });

  it('checks PEM files', () => {
    expect(checkPem(CERT, 'certificate')).toBeUndefined();
    expect(checkPem(KEY, 'key')).toBeUndefined();
    expect(checkPem('-----BEGIN EC PRIVATE KEY-----\n', 'key')).toBeUndefined();
    expect(checkPem('-----BEGIN ENCRYPTED PRIVATE KEY-----\n', 'key')).toMatch(/Encrypted/);
    expect(checkPem(KEY, 'certificate')).toMatch(/no PEM certificate/);
    expect(checkPem('x'.repeat(300 * 1024), 'certificate')).toMatch(/too large/);
  });
});

describe('connection form: settings', () => {
  it('turns the form into settings, leaving defaults and empty fields out', () => {
    expect(toConnectionSettings(form({ host: ' mx.example.net ', port: '587', tls: 'starttls' }))).toEqual({
      ok: true,
      settings: { protocol: 'smtp', tls: 'starttls', verify: true, host: 'mx.example.net', port: 587 },
    });
    expect(toConnectionSettings(form({ target: 'socket', socketPath: '/run/lmtp', protocol: 'lmtp', port: '24' }))).toEqual({
      ok: true,
      settings: { protocol: 'lmtp', tls: 'off', verify: true, socketPath: '/run/lmtp' },
    });
    expect(toConnectionSettings(form({ host: '[::1]', port: '' }))).toEqual({
      ok: true,
      settings: { protocol: 'smtp', tls: 'off', verify: true, host: '::1' },
    });
  });

  it('carries every option', () => {
    const result = toConnectionSettings(
      form({
        host: 'mx',
        tls: 'implicit',
        port: '465',
        verify: false,
        caPem: CERT,
        servername: 'mail.example.net',
        minVersion: 'TLSv1.2',
        maxVersion: 'TLSv1.3',
        ciphers: 'HIGH',
        clientCertPem: CERT,
        clientKeyPem: KEY,
        ehloName: 'client.example',
        sourceAddress: '192.0.2.1',
        timeoutSeconds: '2.5',
        deadlineSeconds: '60',
        allowPlaintextAuth: true,
        captureData: true,
      }),
    );
    expect(result).toEqual({
      ok: true,
      settings: {
        protocol: 'smtp',
        tls: 'implicit',
        verify: false,
        host: 'mx',
        port: 465,
        caPem: CERT,
        servername: 'mail.example.net',
        minVersion: 'TLSv1.2',
        maxVersion: 'TLSv1.3',
        ciphers: 'HIGH',
        clientCertPem: CERT,
        clientKeyPem: KEY,
        ehloName: 'client.example',
        sourceAddress: '192.0.2.1',
        timeoutSeconds: 2.5,
        deadlineSeconds: 60,
        allowPlaintextAuth: true,
        captureData: true,
      },
    });
  });

  it('refuses a form with problems, naming every field', () => {
    const bad = toConnectionSettings(form({ host: '', port: '70000', ehloName: 'a\r\nb' }));
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.error.code).toBe('invalid-input');
      expect(bad.error.issues?.map((i) => i.path).sort()).toEqual(['ehloName', 'host', 'port']);
      expect(bad.error.message).toContain('Enter a host name or address.');
    }
  });

  it('round-trips saved settings into the form (port following the defaults when it is the default)', () => {
    const f = formFromSettings({ protocol: 'smtp', tls: 'implicit', host: 'mx', port: 465, caPem: CERT, timeoutSeconds: 5 });
    expect(f).toMatchObject({
      target: 'tcp',
      host: 'mx',
      port: '465',
      portTouched: false,
      caPem: CERT,
      caName: 'saved with the profile',
      timeoutSeconds: '5',
    });
    expect(formFromSettings({ host: 'mx', port: 2525 })).toMatchObject({ port: '2525', portTouched: true, protocol: 'smtp', tls: 'off' });
    const socket = formFromSettings({ protocol: 'lmtp', socketPath: '/run/lmtp' });
    expect(socket).toMatchObject({ target: 'socket', socketPath: '/run/lmtp', port: '24' });
    const settings = toConnectionSettings(f);
    expect(settings.ok && settings.settings).toEqual({
      protocol: 'smtp',
      tls: 'implicit',
      verify: true,
      host: 'mx',
      port: 465,
      caPem: CERT,
      timeoutSeconds: 5,
    });
  });

  it('describes where the form points', () => {
    expect(describeForm(form({ host: 'mx', port: '587', tls: 'starttls' }))).toBe('smtp://mx:587 (starttls)');
    expect(describeForm(form({ host: '::1', port: '465', tls: 'implicit' }))).toBe('smtps://[::1]:465');
    expect(describeForm(form({ target: 'socket', socketPath: '/run/lmtp', protocol: 'lmtp' }))).toBe('lmtp:/run/lmtp');
  });
});

describe('test server listeners', () => {
  const cert = CERT;
  it('a TLS listener is verified against the test certificate as the CA', () => {
    const listener: TestServerListener = { kind: 'implicit', protocol: 'smtp', tls: 'implicit', host: '127.0.0.1', port: 4650 };
    const f = formForListener(listener, form({ verify: false, clientCertPem: CERT, clientKeyPem: KEY }), cert);
    expect(f).toMatchObject({
      target: 'tcp',
      host: '127.0.0.1',
      port: '4650',
      tls: 'implicit',
      verify: true,
      caPem: cert,
      clientCertPem: '',
      clientKeyPem: '',
    });
    // Without the certificate the self-signed server could not be verified.
    expect(formForListener(listener, form(), undefined).verify).toBe(false);
  });

  it('the LMTP socket listener sets the socket, protocol and TLS mode', () => {
    const listener: TestServerListener = { kind: 'lmtp', protocol: 'lmtp', tls: 'off', socketPath: '/tmp/x/lmtp.sock' };
    expect(formForListener(listener, form({ tls: 'starttls' }), cert)).toMatchObject({
      target: 'socket',
      socketPath: '/tmp/x/lmtp.sock',
      protocol: 'lmtp',
      tls: 'off',
    });
  });
});

describe('authentication form', () => {
  it('no user: no authentication', () => {
    expect(validateAuth(DEFAULT_AUTH_FORM)).toEqual([]);
    expect(toAuthSettings(DEFAULT_AUTH_FORM, undefined, false)).toBeUndefined();
  });

  it('a user needs a password (or the stored one), and a password needs a user', () => {
    expect(validateAuth({ ...DEFAULT_AUTH_FORM, user: 'alice' })).toEqual([{ path: 'secret', message: 'Enter the password.' }]);
    expect(validateAuth({ ...DEFAULT_AUTH_FORM, user: 'alice', mechanism: 'xoauth2' })).toEqual([
      { path: 'secret', message: 'Enter the access token.' },
    ]);
    expect(validateAuth({ ...DEFAULT_AUTH_FORM, user: 'alice' }, { required: false })).toEqual([]);
    expect(validateAuth({ ...DEFAULT_AUTH_FORM, user: 'alice', useStored: true }, { required: true, storedSecret: true })).toEqual([]);
    expect(validateAuth({ ...DEFAULT_AUTH_FORM, user: 'alice', useStored: true }, { required: true, storedSecret: false })).toHaveLength(1);
    expect(validateAuth({ ...DEFAULT_AUTH_FORM, secret: 'pw' }).map((i) => i.path)).toEqual(['user']);
    expect(validateAuth({ ...DEFAULT_AUTH_FORM, user: 'a\r\nMAIL FROM:<x>', secret: 'pw' }).map((i) => i.path)).toEqual(['user']);
  });

  it('the stored password is named by the profile, never copied; a typed one wins', () => {
    const auth = { ...DEFAULT_AUTH_FORM, user: ' alice ', mechanism: 'plain' as const, useStored: true };
    expect(toAuthSettings(auth, 'p1', true)).toEqual({ mechanism: 'plain', user: 'alice', profileId: 'p1' });
    expect(toAuthSettings({ ...auth, secret: 'typed' }, 'p1', true)).toEqual({ mechanism: 'plain', user: 'alice', secret: 'typed' });
    expect(toAuthSettings({ ...auth, secret: 'pw', authzid: 'admin' }, undefined, false)).toEqual({
      mechanism: 'plain',
      user: 'alice',
      secret: 'pw',
      authzid: 'admin',
    });
  });
});
