import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { inertText } from '../../shared/inert-text.js';
import { checkMx, type MxCheck, type MxCheckOptions } from '../dns/mx-check.js';
import { DOMAIN_NAME, formatMx } from '../../shared/domain-report.js';
import { domainVerdict } from '../../shared/outside-report.js';
import { DnsError, parseResolverAddress, Resolver } from '../dns/resolver.js';
import { EXIT } from './exit-codes.js';
import { UsageError } from './usage-error.js';

/** `smtp-lens mx DOMAIN`: every MX host and address of a domain, as a sending MTA meets them (see dns/mx-check.ts). */

const MX_OPTIONS = {
  resolver: { type: 'string' },
  port: { type: 'string' },
  parallel: { type: 'string' },
  deadline: { type: 'string' },
  timeout: { type: 'string' },
  ehlo: { type: 'string' },
  ca: { type: 'string' },
  'mta-sts-url': { type: 'string' },
  json: { type: 'boolean' },
} as const;

export interface MxArgs extends MxCheckOptions {
  domain: string;
  resolver?: string;
  json: boolean;
}

const positive = (value: string | undefined, option: string, max: number): number | undefined => {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > max)
    throw new UsageError(`mx: --${option} takes a number from above 0 to ${max} (got "${value}")`);
  return n;
};

function httpsUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`mx: --mta-sts-url: "${text}" is not a URL`);
  }
  if (url.protocol !== 'https:') throw new UsageError('mx: --mta-sts-url must be https: (RFC 8461 fetches the policy over HTTPS only)');
  return url.toString();
}

export function parseMx(argv: string[]): MxArgs {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: MX_OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(`mx: ${(error as Error).message}`);
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) throw new UsageError('mx takes one DOMAIN');
  const domain = positionals[0]!;
  if (!DOMAIN_NAME.test(domain)) throw new UsageError(`mx: "${domain}" is not a domain name`);
  const port = positive(values.port, 'port', 65535);
  if (port !== undefined && !Number.isInteger(port)) throw new UsageError('mx: --port takes a whole number');
  let ca: string | undefined;
  if (values.ca !== undefined) {
    try {
      ca = readFileSync(values.ca, 'utf8');
    } catch (error) {
      throw new UsageError(`mx: --ca: cannot read ${values.ca}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
    }
  }
  if (values.resolver !== undefined) {
    try {
      parseResolverAddress(values.resolver);
    } catch (error) {
      throw new UsageError(`mx: --resolver: ${(error as Error).message}`);
    }
  }
  const seconds = (v: number | undefined): number | undefined => (v === undefined ? undefined : Math.round(v * 1000));
  return {
    domain,
    json: values.json ?? false,
    ...(values.resolver !== undefined ? { resolver: values.resolver } : {}),
    ...(port !== undefined ? { port } : {}),
    ...(values.parallel !== undefined ? { parallel: Math.floor(positive(values.parallel, 'parallel', 64)!) } : {}),
    ...(values.deadline !== undefined ? { deadlineMs: seconds(positive(values.deadline, 'deadline', 3600)) } : {}),
    ...(values.timeout !== undefined ? { timeoutMs: seconds(positive(values.timeout, 'timeout', 600)) } : {}),
    ...(values.ehlo !== undefined ? { ehloName: values.ehlo } : {}),
    ...(ca !== undefined ? { ca } : {}),
    ...(values['mta-sts-url'] !== undefined ? { mtaStsUrl: httpsUrl(values['mta-sts-url']) } : {}),
  };
}

/** 0: every address reachable with STARTTLS and a valid certificate (or a null MX); 3: some unreachable, or no mail server; 4: TLS problems. */
export function mxExitCode(check: MxCheck): number {
  switch (domainVerdict(check)) {
    case 'ok':
    case 'null-mx':
      return EXIT.ok;
    case 'unreachable':
    case 'no-mail-server':
      return EXIT.connection;
    default:
      return EXIT.tls;
  }
}

export { formatMx };

export async function runMx(args: MxArgs, out: { write: (t: string) => void }, err: { write: (t: string) => void }): Promise<number> {
  let check: MxCheck;
  try {
    const resolver = new Resolver(args.resolver !== undefined ? { address: parseResolverAddress(args.resolver) } : {});
    check = await checkMx(resolver, args.domain, args);
  } catch (error) {
    if (!(error instanceof DnsError)) throw error;
    err.write(`smtp-lens mx: DNS: ${inertText(error.message)}\n`);
    return EXIT.connection;
  }
  out.write(args.json ? JSON.stringify(check, null, 2) + '\n' : formatMx(check));
  return mxExitCode(check);
}
