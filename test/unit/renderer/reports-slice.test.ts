import { describe, expect, it } from 'vitest';
import type { CompareReport } from '../../../shared/outside-report.js';
import { createAppStore } from '../../../renderer/src/store/index.js';
import { FORMS_KEY } from '../../../renderer/src/store/persisted-forms.js';
import { domainRequest, matrixChoice, resolverIssues, DEFAULT_MATRIX_FORM } from '../../../renderer/src/store/reports-slice.js';
import { failed, fakeApi, flush, memoryStorage, ok } from './fake-api.js';

/** The outside view's store: its forms checked before main is asked, "Compare with…", exports, the resolver setting. */

const compareReport = (id: string): CompareReport => ({
  kind: 'compare',
  id,
  startedAt: '2026-12-04T10:00:00.000Z',
  durationMs: 3,
  a: { id: 'a1', startedAt: '2026-12-04T09:00:00.000Z', operation: 'probe' },
  b: { id: 'b2', startedAt: '2026-12-04T09:30:00.000Z', operation: 'probe' },
  diff: {
    targets: { a: 'smtp://h:25', b: 'smtp://h:25' },
    capabilities: { added: [], removed: [], changed: [] },
    authMechanisms: { added: [], removed: [] },
    tls: {},
    findings: { appeared: [], resolved: [] },
    timings: [],
    same: true,
  } as unknown as CompareReport['diff'],
});

describe('the forms of the outside view', () => {
  it('a resolver is an IP address with an optional port, or empty for the system’s', () => {
    for (const good of ['', '127.0.0.1', '127.0.0.1:5353', '[::1]:53', '::1', '2001:db8::1'])
      expect(resolverIssues(good), good).toEqual([]);
    for (const bad of ['dns.example', '127.0.0.1:', 'http://1.1.1.1', '1.1.1.1 ; x']) expect(resolverIssues(bad), bad).toHaveLength(1);
  });

  it('the Domain form becomes a domain.check request, or says what is wrong before anything is asked', () => {
    expect(domainRequest({ domain: ' example.org ', port: '', deadlineSeconds: '' }, '')).toEqual({
      ok: true,
      request: { domain: 'example.org' },
    });
    expect(domainRequest({ domain: 'example.org', port: '2525', deadlineSeconds: '30' }, '127.0.0.1:5353')).toEqual({
      ok: true,
      request: { domain: 'example.org', resolver: '127.0.0.1:5353', port: 2525, deadlineSeconds: 30 },
    });
    const bad = domainRequest({ domain: 'a b', port: '70000', deadlineSeconds: '0' }, 'nameserver');
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error.issues?.map((i) => i.path)).toEqual(['resolver', 'domain', 'port', 'deadlineSeconds']);
    expect(domainRequest({ domain: '', port: '', deadlineSeconds: '' }, '').ok).toBe(false);
  });

  it('the matrix form names 1 to 16 ports and at least one TLS mode', () => {
    expect(matrixChoice(DEFAULT_MATRIX_FORM)).toEqual({ ok: true, ports: [25, 465, 587], modes: ['off', 'starttls', 'implicit'] });
    expect(matrixChoice({ ports: '25 25,587', modes: { off: false, starttls: true, implicit: false } })).toEqual({
      ok: true,
      ports: [25, 587],
      modes: ['starttls'],
    });
    expect(matrixChoice({ ports: '25, x', modes: DEFAULT_MATRIX_FORM.modes }).ok).toBe(false);
    expect(matrixChoice({ ports: '0', modes: DEFAULT_MATRIX_FORM.modes }).ok).toBe(false);
    expect(matrixChoice({ ports: Array.from({ length: 17 }, (_, i) => 1000 + i).join(','), modes: DEFAULT_MATRIX_FORM.modes }).ok).toBe(
      false,
    );
    expect(matrixChoice({ ports: '25', modes: { off: false, starttls: false, implicit: false } }).ok).toBe(false);
  });
});

describe('the reports slice', () => {
  it('an invalid Domain form never reaches main', async () => {
    const api = fakeApi();
    const store = createAppStore(api);
    store.getState().setDomainForm({ domain: 'not a domain' });
    expect(await store.getState().checkDomain()).toBe(false);
    expect(store.getState().reports.domain.error?.code).toBe('invalid-input');
    expect(api.calls.some((c) => c.method === 'checkDomain')).toBe(false);
  });

  it('a failure of main is shown as it came (dns-failed), with no report', async () => {
    const store = createAppStore(fakeApi());
    store.getState().setDomainForm({ domain: 'example.org' });
    expect(await store.getState().checkDomain()).toBe(false);
    expect(store.getState().reports.domain).toMatchObject({ running: false, error: { code: 'dns-failed' } });
    expect(store.getState().reports.domain.report).toBeUndefined();
  });

  it('a matrix needs a host in the connection form, not a Unix socket', async () => {
    const api = fakeApi();
    const store = createAppStore(api);
    store.setState((s) => ({ connection: { ...s.connection, target: 'socket' as const, socketPath: '/tmp/s.sock' } }));
    expect(await store.getState().runMatrix()).toBe(false);
    expect(store.getState().reports.matrix.error?.message).toMatch(/Unix socket/);
    expect(api.calls.some((c) => c.method === 'runMatrix')).toBe(false);
  });

  it('"Compare with…": the first pick is A, the second compares A with it and shows the Compare tab', async () => {
    const api = fakeApi({ compareSessions: async () => ok(compareReport('r1')) });
    const store = createAppStore(api);
    expect(await store.getState().pickForCompare('a1', 'first')).toBe(false);
    expect(store.getState().reports.compareFirst).toEqual({ id: 'a1', label: 'first' });
    // Picking A again keeps it A.
    expect(await store.getState().pickForCompare('a1', 'first')).toBe(false);
    expect(api.calls.filter((c) => c.method === 'compareSessions')).toEqual([]);
    expect(await store.getState().pickForCompare('b2', 'second')).toBe(true);
    expect(api.calls.filter((c) => c.method === 'compareSessions').map((c) => c.args)).toEqual([['a1', 'b2']]);
    expect(store.getState().ui.tab).toBe('compare');
    expect(store.getState().reports.compareFirst).toBeUndefined();
    expect(store.getState().reports.compare.report?.id).toBe('r1');
  });

  it('an export asks main for the kept report by id and says where it went; a failure is shown', async () => {
    let exportOk = true;
    const api = fakeApi({
      compareSessions: async () => ok(compareReport('r7')),
      exportReport: async (id, format) =>
        exportOk ? ok({ savedTo: `report-${id}.${format}`, download: true }) : failed({ code: 'not-found', message: 'no longer kept' }),
    });
    const store = createAppStore(api);
    expect(await store.getState().exportReport('compare', 'json')).toBe(false); // nothing to export yet
    await store.getState().compareSessions('a1', 'b2');
    expect(await store.getState().exportReport('compare', 'html')).toBe(true);
    expect(store.getState().reports.compare.notice).toBe('Downloading HTML: report-r7.html');
    exportOk = false;
    expect(await store.getState().exportReport('compare', 'txt')).toBe(false);
    expect(store.getState().reports.compare).toMatchObject({ notice: undefined, exportError: { code: 'not-found' } });
  });

  it('an older answer never replaces a newer one', async () => {
    const answers: ((r: ReturnType<typeof ok<CompareReport>>) => void)[] = [];
    const api = fakeApi({ compareSessions: () => new Promise((resolve) => answers.push(resolve)) });
    const store = createAppStore(api);
    const first = store.getState().compareSessions('a', 'b');
    const second = store.getState().compareSessions('c', 'd');
    answers[1]!(ok(compareReport('newer')));
    answers[0]!(ok(compareReport('older')));
    expect(await second).toBe(true);
    expect(await first).toBe(false);
    expect(store.getState().reports.compare.report?.id).toBe('newer');
  });

  it('sender authentication asks the app’s resolver, and refuses a malformed one without asking main', async () => {
    const api = fakeApi({
      authenticateMessage: async () =>
        ok({
          resolver: '127.0.0.1:53',
          spf: { result: 'pass', reason: 'ok' },
          dkim: [],
          dmarc: { result: 'none', reason: 'none' },
          headers: '',
        }),
    });
    const store = createAppStore(api);
    store.getState().setResolver('resolver.example');
    expect(await store.getState().authenticateMessage('m1')).toBe(false);
    expect(store.getState().reports.senderAuth.m1?.error?.code).toBe('invalid-input');
    expect(api.calls.some((c) => c.method === 'authenticateMessage')).toBe(false);
    store.getState().setResolver('127.0.0.1:53');
    expect(await store.getState().authenticateMessage('m1')).toBe(true);
    expect(api.calls.filter((c) => c.method === 'authenticateMessage').map((c) => c.args)).toEqual([['m1', '127.0.0.1:53']]);
    expect(store.getState().reports.senderAuth.m1?.result?.spf.result).toBe('pass');
  });

  it('the resolver and the forms survive a reload; a stored value of the wrong shape is dropped', async () => {
    const storage = memoryStorage();
    const store = createAppStore(fakeApi(), { storage });
    store.getState().setResolver('127.0.0.1:5353');
    store.getState().setDomainForm({ domain: 'example.org' });
    store.getState().setMatrixForm({ ports: '25, 2525' });
    await new Promise((r) => setTimeout(r, 300));
    await flush();
    const again = createAppStore(fakeApi(), { storage });
    expect(again.getState().reports).toMatchObject({
      resolver: '127.0.0.1:5353',
      domainForm: { domain: 'example.org' },
      matrixForm: { ports: '25, 2525', modes: { off: true, starttls: true, implicit: true } },
    });
    const stored = JSON.parse(storage.data.get(FORMS_KEY)!) as Record<string, unknown>;
    storage.data.set(FORMS_KEY, JSON.stringify({ ...stored, reports: { resolver: 7, domainForm: 'x', matrixForm: { ports: 25 } } }));
    const odd = createAppStore(fakeApi(), { storage });
    expect(odd.getState().reports).toMatchObject({ resolver: '', domainForm: { domain: '' }, matrixForm: DEFAULT_MATRIX_FORM });
  });
});
