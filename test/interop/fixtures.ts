/**
 * The test users and domains the interoperability servers are configured with (test/interop/servers.ts),
 * shared with the tests. Every secret here is a throw-away value for servers that live only for one run.
 */

/** Mail for this domain goes to postfix, which hands it to dovecot over LMTP. */
export const POSTFIX_DOMAIN = 'example.test';
/** Mail for this domain is delivered by exim into its own Maildirs. */
export const EXIM_DOMAIN = 'example.org';

export interface TestUser {
  address: string;
  password: string;
}

/** Dovecot users (passdb and userdb): they authenticate at postfix's submission ports and receive mail. */
export const ALICE: TestUser = { address: `alice@${POSTFIX_DOMAIN}`, password: 'alice-Secret-1' };
export const BOB: TestUser = { address: `bob@${POSTFIX_DOMAIN}`, password: 'bob-Secret-2' };
/** A dovecot user with a tiny quota (1 KiB): LMTP accepts the recipient, then refuses the message after DATA. */
export const OVER_QUOTA: TestUser = { address: `quota@${POSTFIX_DOMAIN}`, password: 'quota-Secret-3' };
/** Not in dovecot's passwd-file nor in postfix's virtual mailbox table. */
export const UNKNOWN_ADDRESS = `nobody-here@${POSTFIX_DOMAIN}`;

/** Exim's mailboxes, and the one user exim's own authenticators (PLAIN, LOGIN, CRAM-MD5) accept. */
export const EXIM_ALICE = `alice@${EXIM_DOMAIN}`;
export const EXIM_BOB = `bob@${EXIM_DOMAIN}`;
export const EXIM_AUTH: TestUser = { address: `carol@${EXIM_DOMAIN}`, password: 'carol-Secret-4' };
export const EXIM_UNKNOWN_ADDRESS = `nobody-here@${EXIM_DOMAIN}`;

/** The quota dovecot gives OVER_QUOTA, in dovecot's quota_rule syntax. */
export const TINY_QUOTA = '*:storage=1K';

/**
 * The test host in a network namespace, joined to this machine by a veth pair. Its /30 is chosen at run
 * time among these candidates (benchmarking range first), skipping any that overlaps an address or route
 * the machine already has — so the machine's own network is never shadowed.
 */
export const NETNS = {
  /** The namespace is called this plus "-" and the test runner's pid; its veth ends slh<pid> and sln<pid>. */
  name: 'smtplens-interop',
  candidateSubnets: ['198.18.231.0', '198.19.231.0', '198.18.77.0', '10.231.77.0', '172.31.231.0'],
} as const;
