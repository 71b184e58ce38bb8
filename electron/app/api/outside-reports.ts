import { randomUUID } from 'node:crypto';
import type { ExportedFile } from '../../../shared/ipc/contract.js';
import type { ExportFormat, ParsedRequestOf } from '../../../shared/ipc/schemas.js';
import {
  exportReport,
  type CompareReport,
  type DomainReport,
  type MatrixReport,
  type OutsideReport,
} from '../../../shared/outside-report.js';
import type { SenderAuthentication } from '../../../shared/sender-auth.js';
import { diffSessions } from '../../../shared/session-diff.js';
import { checkMx } from '../../dns/mx-check.js';
import { DnsError, parseResolverAddress, Resolver } from '../../dns/resolver.js';
import { senderAuthentication } from '../../dns/sender-auth.js';
import { runMatrix } from '../../smtp/matrix.js';
import { SmtpError } from '../../smtp/errors.js';
import { AppError } from '../services/app-error.js';
import type { SessionLogStoreApi, TestServerApi } from '../services/types.js';
import { toSessionOptions } from './session-requests.js';

/**
 * The app's outside view, behind `domain.check`, `matrix.run`, `sessions.compare`, `reports.export` and
 * `testServer.authenticate`: the same engine as `smtp-lens mx`, `matrix`, `diff` and `serve --authenticate`. Each
 * report is kept here by its id (the last few only) so that an export is made from exactly what was checked, never
 * from what the renderer sends back.
 */

/** How many reports are kept for export; the oldest goes first. */
export const KEPT_REPORTS = 20;

export interface OutsideReportsOptions {
  logs: Pick<SessionLogStoreApi, 'stream'>;
  testServer: Pick<TestServerApi, 'messages'>;
  /** Names the tool in exports ("SMTP Lens 0.1.0"). */
  tool: string;
}

/** A resolver the user named (checked here, not only by the schema), or the system's. */
function resolverFor(address: string | undefined): Resolver {
  try {
    return new Resolver(address !== undefined ? { address: parseResolverAddress(address) } : {});
  } catch (error) {
    if (error instanceof DnsError) throw new AppError('dns-failed', error.message);
    throw new SmtpError('invalid-input', `resolver: ${(error as Error).message}`);
  }
}

const dnsFailure = (error: unknown): never => {
  if (error instanceof DnsError) throw new AppError('dns-failed', `DNS: ${error.message}`);
  throw error;
};

export class OutsideReports {
  private readonly kept = new Map<string, OutsideReport>();

  constructor(private readonly options: OutsideReportsOptions) {}

  private keep<R extends OutsideReport>(report: R): R {
    this.kept.set(report.id, report);
    while (this.kept.size > KEPT_REPORTS) this.kept.delete(this.kept.keys().next().value!);
    return report;
  }

  async checkDomain(request: ParsedRequestOf<'domain.check'>): Promise<DomainReport> {
    const resolver = resolverFor(request.resolver);
    const startedAt = new Date().toISOString();
    const started = performance.now();
    const check = await checkMx(resolver, request.domain, {
      deadlineMs: Math.round(request.deadlineSeconds * 1000),
      parallel: request.parallel,
      ...(request.port !== undefined ? { port: request.port } : {}),
      ...(request.timeoutSeconds !== undefined ? { timeoutMs: Math.round(request.timeoutSeconds * 1000) } : {}),
      ...(request.ehloName !== undefined ? { ehloName: request.ehloName } : {}),
      ...(request.caPem !== undefined ? { ca: request.caPem } : {}),
    }).catch(dnsFailure);
    return this.keep({ kind: 'domain', id: randomUUID(), startedAt, durationMs: performance.now() - started, check });
  }

  async matrix(request: ParsedRequestOf<'matrix.run'>): Promise<MatrixReport> {
    const startedAt = new Date().toISOString();
    const started = performance.now();
    const matrix = await runMatrix({
      connection: toSessionOptions(request.connection),
      ports: [...new Set(request.ports)],
      modes: [...new Set(request.modes)],
      parallel: request.parallel,
    });
    return this.keep({ kind: 'matrix', id: randomUUID(), startedAt, durationMs: performance.now() - started, matrix });
  }

  async compare(request: ParsedRequestOf<'sessions.compare'>): Promise<CompareReport> {
    const startedAt = new Date().toISOString();
    const started = performance.now();
    // The records as their logs end, without the transcripts (a diff compares what was negotiated, not the bytes).
    const [a, b] = await Promise.all([this.options.logs.stream(request.a), this.options.logs.stream(request.b)]);
    const side = (id: string, r: typeof a.head) => ({ id, startedAt: r.startedAt, operation: r.operation });
    return this.keep({
      kind: 'compare',
      id: randomUUID(),
      startedAt,
      durationMs: performance.now() - started,
      a: side(request.a, a.head),
      b: side(request.b, b.head),
      diff: diffSessions(a.head, b.head),
    });
  }

  export(id: string, format: ExportFormat): ExportedFile {
    const report = this.kept.get(id);
    if (!report) throw new AppError('not-found', 'that report is no longer kept: run the check again to export it');
    return exportReport(report, format, this.options.tool);
  }

  /** Sender authentication of a kept message. Its verdicts need the exact bytes: a message kept only in part is refused. */
  async authenticateMessage(request: ParsedRequestOf<'testServer.authenticate'>): Promise<SenderAuthentication> {
    const message = this.options.testServer.messages().find((m) => m.id === request.id);
    if (!message) throw new AppError('not-found', 'the test server no longer keeps that message');
    if (message.truncated) {
      throw new SmtpError('invalid-input', 'only the first part of this message was kept: DKIM and ARC cannot be checked on a part');
    }
    // Kept as UTF-8 text: bytes that were not UTF-8 cannot be given back exactly, and DKIM hashes bytes.
    if (message.raw.includes('\uFFFD')) {
      throw new SmtpError(
        'invalid-input',
        'this message has bytes that are not UTF-8 and is kept as text, so its DKIM hashes cannot be checked exactly: use smtp-lens serve --authenticate',
      );
    }
    const resolver = resolverFor(request.resolver);
    return senderAuthentication(message, Buffer.from(message.raw, 'utf8'), resolver).catch(dnsFailure);
  }
}
