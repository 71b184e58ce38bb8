import type { Protocol, StoppedAfter, TlsMode } from '../session-record.js';

/**
 * A session described so another tool can do it again: what `smtp-lens --as swaks|smtplib` and the app's "Copy as
 * swaks command" / "Copy as Python script" print. Pure data; secrets are never part of it, only the name of the
 * environment variable that holds one.
 */
export interface Reproduction {
  /** probe: connect, greet, TLS, AUTH, QUIT. send: a message as well. */
  operation: 'probe' | 'send';
  protocol: Protocol;
  tls: TlsMode;
  host?: string;
  port?: number;
  socketPath?: string;
  /** The EHLO/LHLO name; absent: the tool's own default. */
  ehloName?: string;
  /** HELO instead of EHLO. */
  helo?: boolean;
  timeoutSeconds?: number;
  /** The local address to connect from. */
  sourceAddress?: string;
  tlsOptions: {
    verify: boolean;
    caFile?: string;
    servername?: string;
    minVersion?: string;
    maxVersion?: string;
    ciphers?: string;
    certFile?: string;
    keyFile?: string;
  };
  auth?: {
    /** 'auto' or a SASL mechanism name. */
    mechanism: string;
    /** The user, or the name of an environment variable that holds it when it is not known. */
    user: string | { env: string };
    /** The environment variable the password (or token) is read from when it runs; never the secret. */
    secretEnv: string;
    authzid?: string;
    optional?: boolean;
    initialResponse?: boolean;
  };
  stopAfter?: StoppedAfter;
  envelope?: { from: string; to: string[] };
  /** The message: a file read when it runs, or its bytes (composed by SMTP Lens) written into what is printed. */
  message?: { file: string } | { content: string };
}

/** A part of the session the other tool cannot do; what is printed would not be the same session. */
export class NotReproducible extends Error {}

/** What a reproduction prints, and what the user should know about how faithful it is. */
export interface Reproduced {
  text: string;
  notes: string[];
}

/** TLS versions from min to max, in order (our names: TLSv1 … TLSv1.3). */
export const TLS_VERSIONS = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'] as const;

export function versionsBetween(min: string | undefined, max: string | undefined): string[] | undefined {
  if (!min && !max) return undefined;
  const from = min ? TLS_VERSIONS.indexOf(min as (typeof TLS_VERSIONS)[number]) : 0;
  const to = max ? TLS_VERSIONS.indexOf(max as (typeof TLS_VERSIONS)[number]) : TLS_VERSIONS.length - 1;
  if (from < 0 || to < 0 || from > to) throw new NotReproducible(`no TLS version lies between ${min ?? 'any'} and ${max ?? 'any'}`);
  return TLS_VERSIONS.slice(from, to + 1);
}
