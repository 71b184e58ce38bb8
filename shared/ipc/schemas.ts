import { z } from 'zod';
import { DOMAIN_NAME } from '../domain-report.js';
import { MATRIX_TLS_MODES } from '../matrix.js';
import { DIALOG_CHANNELS, PICK_PURPOSES, REQUEST_CHANNELS, SESSION_PAGE_MAX, type DialogChannel, type RequestChannel } from './channels.js';

/**
 * Schemas for every request the renderer may make. Main (and the web host) parse each request with
 * these before acting: the renderer is untrusted. Limits are generous for real use and small enough
 * that a hostile renderer cannot exhaust memory.
 */

const CONTROL_CHARS = /[\r\n\0]/;

/** A string that may go on the SMTP wire: no CR, LF or NUL, bounded length. */
export const wireSafe = (max: number) =>
  z
    .string()
    .max(max)
    .refine((s) => !CONTROL_CHARS.test(s), { message: 'must not contain CR, LF or NUL' });

const pem = z.string().max(256 * 1024);
const id = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'not a valid id');

export const ProtocolSchema = z.enum(['smtp', 'lmtp']);
export const TlsModeSchema = z.enum(['off', 'starttls', 'starttls-optional', 'implicit']);
export const TlsVersionSchema = z.enum(['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3']);
export const MechanismSchema = z.enum(['auto', 'plain', 'login', 'cram-md5', 'xoauth2', 'oauthbearer', 'scram-sha-1', 'scram-sha-256']);
export type TlsVersion = z.infer<typeof TlsVersionSchema>;
export type Mechanism = z.infer<typeof MechanismSchema>;

export const ConnectionSettingsSchema = z
  .object({
    protocol: ProtocolSchema.default('smtp'),
    host: wireSafe(255).min(1).optional(),
    port: z.number().int().min(1).max(65535).optional(),
    socketPath: wireSafe(1024)
      .refine((p) => p.startsWith('/'), { message: 'must be an absolute path' })
      .optional(),
    sourceAddress: wireSafe(64).optional(),
    tls: TlsModeSchema.default('off'),
    verify: z.boolean().default(true),
    caPem: pem.optional(),
    servername: wireSafe(255).optional(),
    minVersion: TlsVersionSchema.optional(),
    maxVersion: TlsVersionSchema.optional(),
    ciphers: wireSafe(4096).optional(),
    clientCertPem: pem.optional(),
    /** A client key is a secret: main uses it and never sends it back. */
    clientKeyPem: pem.optional(),
    ehloName: wireSafe(255).optional(),
    /** Sets every stage's timeout. */
    timeoutSeconds: z.number().positive().max(3600).optional(),
    deadlineSeconds: z
      .number()
      .positive()
      .max(24 * 3600)
      .optional(),
    allowPlaintextAuth: z.boolean().default(false),
    captureData: z.boolean().default(false),
  })
  .strict()
  .refine((c) => (c.host === undefined) !== (c.socketPath === undefined), {
    message: 'give either a host or a Unix socket path',
  });
export type ConnectionSettings = z.input<typeof ConnectionSettingsSchema>;

export const AuthSettingsSchema = z
  .object({
    mechanism: MechanismSchema.default('auto'),
    user: wireSafe(512).min(1),
    /** The password or token for this attempt; omitted when a profile's stored secret is used. */
    secret: z
      .string()
      .max(16 * 1024)
      .optional(),
    /** Use the secret stored with this profile (it never travels to the renderer). */
    profileId: id.optional(),
    authzid: wireSafe(512).optional(),
    initialResponse: z.boolean().default(true),
  })
  .strict();
export type AuthSettings = z.input<typeof AuthSettingsSchema>;

const address = wireSafe(512);
const MAX_ATTACHMENT_BASE64 = 48 * 1024 * 1024; // 36 MB decoded

export const AttachmentSchema = z.union([
  z
    .object({
      filename: wireSafe(255).min(1),
      contentType: wireSafe(255).optional(),
      contentBase64: z
        .string()
        .max(MAX_ATTACHMENT_BASE64)
        .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'not base64'),
    })
    .strict(),
  z
    .object({
      /** A file the user picked in a native dialog (Electron only). */
      path: z.string().min(1).max(4096),
      filename: wireSafe(255).optional(),
    })
    .strict(),
  z
    .object({
      /** A file the page uploaded to the web host (`POST /upload`): main reads it, the page never encodes it. */
      upload: id,
      filename: wireSafe(255).min(1),
      contentType: wireSafe(255).optional(),
    })
    .strict(),
]);

export const ComposeSchema = z
  .object({
    from: address.min(1),
    to: z.array(address).max(1000).default([]),
    cc: z.array(address).max(1000).default([]),
    bcc: z.array(address).max(1000).default([]),
    replyTo: z.array(address).max(100).default([]),
    subject: wireSafe(998).default(''),
    text: z
      .string()
      .max(32 * 1024 * 1024)
      .default(''),
    html: z
      .string()
      .max(32 * 1024 * 1024)
      .optional(),
    headers: z
      .array(z.object({ name: wireSafe(76).min(1), value: wireSafe(998) }).strict())
      .max(100)
      .default([]),
    attachments: z.array(AttachmentSchema).max(50).default([]),
    envelopeFrom: address.optional(),
    envelopeTo: z.array(address).max(1000).optional(),
    dsn: z
      .object({
        ret: z.enum(['FULL', 'HDRS']).optional(),
        envid: wireSafe(100).optional(),
        notify: z
          .array(z.enum(['NEVER', 'SUCCESS', 'FAILURE', 'DELAY']))
          .max(4)
          .optional(),
        orcpt: z.boolean().optional(),
      })
      .strict()
      .optional(),
    smtpUtf8: z.boolean().default(false),
    utf8Headers: z.boolean().default(false),
    bdat: z.enum(['off', 'auto', 'on']).default('auto'),
    forceParams: z.boolean().default(false),
    /** Ask for per-recipient replies after the data (PRDR) when the server advertises it. */
    prdr: z.boolean().default(false),
    /** The Message-ID to use ("<id@host>"), e.g. the one the preview showed; generated when absent. */
    messageId: wireSafe(998).min(3).optional(),
  })
  .strict();
export type ComposeSettings = z.input<typeof ComposeSchema>;

export const SessionIdSchema = z.object({ sessionId: id }).strict();

export const ProfileInputSchema = z
  .object({
    /** Absent to create a profile, present to update one. */
    id: id.optional(),
    name: z.string().min(1).max(200),
    connection: ConnectionSettingsSchema,
    auth: z
      .object({
        mechanism: MechanismSchema.default('auto'),
        user: wireSafe(512).min(1),
        authzid: wireSafe(512).optional(),
      })
      .strict()
      .optional(),
    /** A secret to store with the profile (only where the OS has a real key store); null forgets it. */
    secret: z
      .string()
      .max(16 * 1024)
      .nullable()
      .optional(),
  })
  .strict();
export type ProfileInput = z.input<typeof ProfileInputSchema>;

export const TestServerOptionsSchema = z
  .object({
    /** Which listeners to start; all by default. */
    plain: z.boolean().default(true),
    starttls: z.boolean().default(true),
    implicitTls: z.boolean().default(true),
    lmtpSocket: z.boolean().default(true),
  })
  .strict();
export type TestServerOptions = z.input<typeof TestServerOptionsSchema>;

export const ExportFormatSchema = z.enum(['json', 'txt', 'html']);
export type ExportFormat = z.infer<typeof ExportFormatSchema>;

/** Which saved session to export, and how: `sessions.exportToFile` and the web host's download (`GET /export/…`). */
export const ExportRequestSchema = z.object({ id, format: ExportFormatSchema }).strict();

/** A domain name as DNS asks it (letters, digits, '_', '-', dots; a trailing dot allowed). */
const domainName = z.string().max(254).regex(DOMAIN_NAME, 'not a domain name');
/** A resolver as "ADDR", "ADDR:PORT" or "[v6]:PORT" (main checks it is an IP address); absent: the system's. */
const resolverAddress = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[0-9A-Fa-f:.[\]]+$/, 'give an IP address, with :PORT if not 53');
const port = z.number().int().min(1).max(65535);

/** The request schema of every channel; `empty` for channels without arguments. */
const empty = z.object({}).strict();

export const REQUEST_SCHEMAS = {
  'app.info': empty,
  // `profileId`: the profile the connection came from; main fills in its stored TLS client key when the
  // connection has a client certificate but no key (the key never travels to the renderer).
  // One operation from connect to QUIT, run by main: answered at once with the session's id, then its events,
  // progress and final record (`session-done`) come by that id.
  'session.run': z
    .object({
      operation: z.enum(['probe', 'send', 'verify', 'raw']),
      connection: ConnectionSettingsSchema,
      profileId: id.optional(),
      auth: AuthSettingsSchema.optional(),
      /** send: the message. */
      message: ComposeSchema.optional(),
      /** verify: the address (EXPN with `expand`). */
      address: wireSafe(512).min(1).optional(),
      expand: z.boolean().default(false),
      /** raw: the command lines, in order. */
      commands: z.array(wireSafe(2048).min(1)).max(100).optional(),
    })
    .strict()
    .superRefine((r, ctx) => {
      if (r.operation === 'send' && !r.message) ctx.addIssue({ code: 'custom', path: ['message'], message: 'a send needs a message' });
      if (r.operation === 'verify' && !r.address) ctx.addIssue({ code: 'custom', path: ['address'], message: 'a verify needs an address' });
      if (r.operation === 'raw' && !r.commands?.length)
        ctx.addIssue({ code: 'custom', path: ['commands'], message: 'raw needs at least one command' });
    }),
  // A session kept open for step mode (AUTH, send, VRFY, raw commands): answered at once with its id; the opening
  // (connect, greeting, EHLO, TLS) ends with `session-done`, and the session stays open when it succeeded.
  'session.open': z
    .object({
      connection: ConnectionSettingsSchema,
      profileId: id.optional(),
      /** What the user opened it for, as the history shows it. */
      operation: z.enum(['probe', 'send', 'session']).default('session'),
    })
    .strict(),
  'session.authenticate': z.object({ sessionId: id, auth: AuthSettingsSchema }).strict(),
  'session.send': z.object({ sessionId: id, message: ComposeSchema }).strict(),
  'session.verify': z.object({ sessionId: id, address: wireSafe(512).min(1), expand: z.boolean().default(false) }).strict(),
  'session.raw': z.object({ sessionId: id, command: wireSafe(2048).min(1) }).strict(),
  'session.cancel': SessionIdSchema,
  'session.close': SessionIdSchema,
  'message.preview': z.object({ message: ComposeSchema }).strict(),
  'profiles.list': empty,
  'profiles.save': z.object({ profile: ProfileInputSchema }).strict(),
  'profiles.delete': z.object({ id }).strict(),
  'sessions.list': empty,
  // The record as the log ends with its first events; when more follow, `sessions.events` pages through them.
  'sessions.open': z.object({ id }).strict(),
  'sessions.events': z
    .object({
      id,
      /** The load `sessions.open` answered with (its reader in main). */
      loadId: id,
      /** Index of the first event wanted. */
      from: z
        .number()
        .int()
        .min(0)
        .max(2 ** 32),
      limit: z.number().int().min(1).max(SESSION_PAGE_MAX),
    })
    .strict(),
  'sessions.delete': z.object({ id }).strict(),
  // The export as one string in the answer: for small records (tests, scripts). The app uses `sessions.exportToFile`.
  // Main writes the export itself, as a stream: to where the user picks in a native save dialog (Electron), or the
  // web host answers with a link from which the browser downloads it. The file never goes through the renderer.
  'sessions.exportToFile': ExportRequestSchema,
  'testServer.start': z.object({ options: TestServerOptionsSchema.prefault({}) }).strict(),
  'testServer.stop': empty,
  'testServer.status': empty,
  'testServer.messages': empty,
  // SPF, DKIM, DMARC (and ARC) of a message the test server kept, asked of the chosen resolver.
  'testServer.authenticate': z.object({ id, resolver: resolverAddress.optional() }).strict(),
  // The outside view (answered when done; each report is kept in main by its id for `reports.export`).
  // Every MX host and address of a domain as a sending MTA meets them, with DANE and MTA-STS: `smtp-lens mx`.
  'domain.check': z
    .object({
      domain: domainName,
      resolver: resolverAddress.optional(),
      /** Port 25 unless given (tests, or a submission-only check). */
      port: port.optional(),
      timeoutSeconds: z.number().positive().max(600).optional(),
      /** The whole check's deadline. */
      deadlineSeconds: z.number().positive().max(600).default(60),
      parallel: z.number().int().min(1).max(32).default(4),
      ehloName: wireSafe(255).optional(),
      /** Extra CA to trust (private PKIs). */
      caPem: pem.optional(),
    })
    .strict(),
  // Every port × TLS mode of one host: `smtp-lens matrix`. The connection's port and TLS mode are ignored.
  'matrix.run': z
    .object({
      connection: ConnectionSettingsSchema,
      ports: z.array(port).min(1).max(16),
      modes: z.array(z.enum(MATRIX_TLS_MODES)).min(1).max(3),
      parallel: z.number().int().min(1).max(16).default(4),
    })
    .strict()
    .refine((r) => r.connection.host !== undefined, { message: 'a matrix needs a host (not a Unix socket)', path: ['connection', 'host'] }),
  // Two saved sessions side by side: `smtp-lens diff`.
  'sessions.compare': z.object({ a: id, b: id }).strict(),
  // A report as a file: JSON (the CLI's --json), text (the CLI's output) or HTML (the app's view).
  'reports.export': z.object({ id, format: ExportFormatSchema }).strict(),
} as const;

// The zod-free channel list and the schemas must name the same channels, in both directions.
type SchemaChannel = keyof typeof REQUEST_SCHEMAS;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const channelsMatch: Same<SchemaChannel, RequestChannel> = true;
void channelsMatch;

export { REQUEST_CHANNELS, type RequestChannel };
/** What a caller passes (defaults may be omitted). */
export type RequestOf<C extends RequestChannel> = z.input<(typeof REQUEST_SCHEMAS)[C]>;
/** What a handler receives after validation (defaults filled in). */
export type ParsedRequestOf<C extends RequestChannel> = z.output<(typeof REQUEST_SCHEMAS)[C]>;

/** The largest file the save dialog writes for the page (a received message; exports stream from main instead). */
export const MAX_SAVED_FILE_CHARS = 64 * 1024 * 1024;

/** The Electron-only dialog channels' requests, checked like every other channel's. */
export const DIALOG_SCHEMAS = {
  [DIALOG_CHANNELS.saveFile]: z
    .object({ filename: z.string().min(1).max(1024), mimeType: z.string().max(255), content: z.string().max(MAX_SAVED_FILE_CHARS) })
    .strict(),
  [DIALOG_CHANNELS.pickFiles]: z.object({ purpose: z.enum(PICK_PURPOSES) }).strict(),
} satisfies Record<DialogChannel, z.ZodType>;

export type DialogRequestOf<C extends DialogChannel> = z.output<(typeof DIALOG_SCHEMAS)[C]>;
