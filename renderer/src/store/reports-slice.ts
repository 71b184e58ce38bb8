import type { ErrorDto } from '../../../shared/ipc/contract.js';
import { DOMAIN_NAME } from '../../../shared/domain-report.js';
import { MATRIX_TLS_MODES, type MatrixTls } from '../../../shared/matrix.js';
import type { CompareReport, DomainReport, MatrixReport, OutsideReport, OutsideReportKind } from '../../../shared/outside-report.js';
import type { SenderAuthentication } from '../../../shared/sender-auth.js';
import type { AppApi, ExportFormat } from '../lib/api.js';
import { invalidInput, toConnectionSettings, type FieldIssue } from './connection-form.js';
import type { SliceCreator } from './types.js';

/**
 * The outside view: the Domain, Matrix and Compare tabs, run by main (`domain.check`, `matrix.run`,
 * `sessions.compare`) and exported by main from the report it kept (`reports.export`); and the sender authentication
 * of messages the test server received. The resolver is the app's one DNS setting: the Domain check and the sender
 * authentication both ask it.
 */

export interface DomainForm {
  domain: string;
  /** Port to probe instead of 25 (empty: 25). */
  port: string;
  /** The whole check's deadline, in seconds (empty: 60). */
  deadlineSeconds: string;
}

export interface MatrixForm {
  /** Comma-separated ports. */
  ports: string;
  modes: Record<MatrixTls, boolean>;
}

export const DEFAULT_DOMAIN_FORM: DomainForm = { domain: '', port: '', deadlineSeconds: '' };
export const DEFAULT_MATRIX_FORM: MatrixForm = { ports: '25, 465, 587', modes: { off: true, starttls: true, implicit: true } };

/** One view's last run: what it answered, or why it failed. */
export interface ReportRun<R> {
  running: boolean;
  report?: R;
  error?: ErrorDto;
  /** Said after an export. */
  notice?: string;
  exportError?: ErrorDto;
}

export interface SenderAuthRun {
  running: boolean;
  result?: SenderAuthentication;
  error?: ErrorDto;
}

export interface ReportsView {
  /** The DNS resolver the app asks ("ADDR" or "ADDR:PORT"); empty: the system's. */
  resolver: string;
  domainForm: DomainForm;
  matrixForm: MatrixForm;
  domain: ReportRun<DomainReport>;
  matrix: ReportRun<MatrixReport>;
  compare: ReportRun<CompareReport>;
  /** The session chosen as A with "Compare with…", waiting for B. */
  compareFirst?: { id: string; label: string };
  /** Sender authentication by received message id. */
  senderAuth: Record<string, SenderAuthRun>;
}

export interface ReportsSlice {
  reports: ReportsView;
  setResolver(resolver: string): void;
  setDomainForm(patch: Partial<DomainForm>): void;
  setMatrixForm(patch: Partial<MatrixForm>): void;
  checkDomain(): Promise<boolean>;
  runMatrix(): Promise<boolean>;
  /** "Compare with…": the first pick becomes A; the second compares A with it and shows the Compare tab. */
  pickForCompare(id: string, label: string): Promise<boolean>;
  cancelComparePick(): void;
  compareSessions(a: string, b: string): Promise<boolean>;
  exportReport(kind: OutsideReportKind, format: ExportFormat): Promise<boolean>;
  authenticateMessage(id: string): Promise<boolean>;
  dismissReportMessage(kind: OutsideReportKind): void;
}

const RESOLVER = /^(\d{1,3}(\.\d{1,3}){3}(:\d{1,5})?|\[[0-9A-Fa-f:.]+\](:\d{1,5})?|[0-9A-Fa-f]*:[0-9A-Fa-f:.]+)$/;

/** The problems of the resolver setting (empty: none). */
export function resolverIssues(resolver: string): FieldIssue[] {
  const r = resolver.trim();
  if (r === '' || RESOLVER.test(r)) return [];
  return [{ path: 'resolver', message: 'give an IP address, with :PORT if not 53 ([v6]:PORT for IPv6), or leave empty for the system’s' }];
}

const number = (text: string): number | undefined => (text.trim() === '' ? undefined : Number(text.trim()));

/** The Domain form as a `domain.check` request, or its problems. */
export function domainRequest(
  form: DomainForm,
  resolver: string,
): { ok: true; request: Parameters<AppApi['checkDomain']>[0] } | { ok: false; error: ErrorDto } {
  const issues: FieldIssue[] = [...resolverIssues(resolver)];
  const domain = form.domain.trim();
  if (!domain) issues.push({ path: 'domain', message: 'enter a domain, e.g. example.org' });
  else if (!DOMAIN_NAME.test(domain) || domain.length > 254) issues.push({ path: 'domain', message: 'not a domain name' });
  const port = number(form.port);
  if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535))
    issues.push({ path: 'port', message: 'a port is 1-65535' });
  const deadline = number(form.deadlineSeconds);
  if (deadline !== undefined && !(deadline > 0 && deadline <= 600))
    issues.push({ path: 'deadlineSeconds', message: 'from above 0 to 600 seconds' });
  if (issues.length) return { ok: false, error: invalidInput(issues) };
  return {
    ok: true,
    request: {
      domain,
      ...(resolver.trim() ? { resolver: resolver.trim() } : {}),
      ...(port !== undefined ? { port } : {}),
      ...(deadline !== undefined ? { deadlineSeconds: deadline } : {}),
    },
  };
}

/** The matrix form's ports and modes, or their problems. */
export function matrixChoice(form: MatrixForm): { ok: true; ports: number[]; modes: MatrixTls[] } | { ok: false; error: ErrorDto } {
  const issues: FieldIssue[] = [];
  const items = form.ports
    .split(/[\s,]+/)
    .map((p) => p.trim())
    .filter(Boolean);
  const ports = [...new Set(items.map(Number))];
  if (items.length === 0) issues.push({ path: 'ports', message: 'name at least one port' });
  else if (items.some((p) => !/^\d+$/.test(p) || Number(p) < 1 || Number(p) > 65535))
    issues.push({ path: 'ports', message: 'ports are 1-65535, separated by commas' });
  else if (ports.length > 16) issues.push({ path: 'ports', message: 'at most 16 ports' });
  const modes = MATRIX_TLS_MODES.filter((m) => form.modes[m]);
  if (modes.length === 0) issues.push({ path: 'modes', message: 'choose at least one TLS mode' });
  if (issues.length) return { ok: false, error: invalidInput(issues) };
  return { ok: true, ports, modes };
}

const idle = <R>(): ReportRun<R> => ({ running: false });

export const createReportsSlice =
  (api: AppApi): SliceCreator<ReportsSlice> =>
  (set, get) => {
    const patch = (p: Partial<ReportsView>) => set((state) => ({ reports: { ...state.reports, ...p } }));
    const patchRun = <K extends OutsideReportKind>(kind: K, p: Partial<ReportsView[K]>) =>
      set((state) => ({ reports: { ...state.reports, [kind]: { ...state.reports[kind], ...p } } }));
    /** Bumped per run of each view, so an older answer cannot replace a newer one. */
    const runs: Record<OutsideReportKind, number> = { domain: 0, matrix: 0, compare: 0 };

    async function run<K extends OutsideReportKind>(
      kind: K,
      start: () => Promise<{ ok: true; value: OutsideReport } | { ok: false; error: ErrorDto }>,
    ): Promise<boolean> {
      const token = ++runs[kind];
      patchRun(kind, { running: true, error: undefined, notice: undefined, exportError: undefined });
      const answer = await start();
      if (token !== runs[kind]) return false;
      if (!answer.ok) {
        patchRun(kind, { running: false, error: answer.error });
        return false;
      }
      patchRun(kind, { running: false, report: answer.value as ReportsView[K]['report'] } as Partial<ReportsView[K]>);
      return true;
    }

    return {
      reports: {
        resolver: '',
        domainForm: DEFAULT_DOMAIN_FORM,
        matrixForm: DEFAULT_MATRIX_FORM,
        domain: idle(),
        matrix: idle(),
        compare: idle(),
        senderAuth: {},
      },

      setResolver(resolver) {
        patch({ resolver });
      },
      setDomainForm(p) {
        patch({ domainForm: { ...get().reports.domainForm, ...p } });
      },
      setMatrixForm(p) {
        patch({ matrixForm: { ...get().reports.matrixForm, ...p } });
      },

      checkDomain() {
        const { domainForm, resolver } = get().reports;
        const request = domainRequest(domainForm, resolver);
        if (!request.ok) {
          patchRun('domain', { error: request.error });
          return Promise.resolve(false);
        }
        return run('domain', () => api.checkDomain(request.request));
      },

      runMatrix() {
        const choice = matrixChoice(get().reports.matrixForm);
        const connection = toConnectionSettings(get().connection);
        const error = !choice.ok
          ? choice.error
          : !connection.ok
            ? connection.error
            : connection.settings.host === undefined
              ? {
                  code: 'invalid-input' as const,
                  message: 'A matrix probes a host: choose TCP (host and port) in the connection form, not a Unix socket.',
                }
              : undefined;
        if (error || !choice.ok || !connection.ok) {
          patchRun('matrix', { error: error! });
          return Promise.resolve(false);
        }
        return run('matrix', () => api.runMatrix({ connection: connection.settings, ports: choice.ports, modes: choice.modes }));
      },

      async pickForCompare(id, label) {
        const first = get().reports.compareFirst;
        if (!first || first.id === id) {
          patch({ compareFirst: { id, label } });
          return false;
        }
        patch({ compareFirst: undefined });
        get().setTab('compare');
        return get().compareSessions(first.id, id);
      },

      cancelComparePick() {
        patch({ compareFirst: undefined });
      },

      compareSessions(a, b) {
        return run('compare', () => api.compareSessions(a, b));
      },

      async exportReport(kind, format) {
        const report = get().reports[kind].report;
        if (!report) return false;
        patchRun(kind, { notice: undefined, exportError: undefined });
        const saved = await api.exportReport(report.id, format);
        if (!saved.ok) {
          patchRun(kind, { exportError: saved.error });
          return false;
        }
        const { savedTo, download } = saved.value;
        if (savedTo !== null) patchRun(kind, { notice: `${download ? 'Downloading' : 'Exported'} ${format.toUpperCase()}: ${savedTo}` });
        return savedTo !== null;
      },

      async authenticateMessage(id) {
        const { resolver } = get().reports;
        // Only for messages the test server still keeps: the map never outgrows its list.
        const setRun = (r: SenderAuthRun) => {
          const kept = new Set(get().testServer.messages.map((m) => m.id));
          const next = Object.fromEntries(Object.entries(get().reports.senderAuth).filter(([key]) => kept.has(key)));
          patch({ senderAuth: { ...next, [id]: r } });
        };
        const issues = resolverIssues(resolver);
        if (issues.length) {
          setRun({ running: false, error: invalidInput(issues) });
          return false;
        }
        setRun({ running: true });
        const answer = await api.authenticateMessage(id, resolver.trim() || undefined);
        setRun(answer.ok ? { running: false, result: answer.value } : { running: false, error: answer.error });
        return answer.ok;
      },

      dismissReportMessage(kind) {
        patchRun(kind, { notice: undefined, exportError: undefined });
      },
    };
  };
