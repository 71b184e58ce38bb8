/** The SASL mechanisms SMTP Lens can use, one list for the engine, the explanations and the app. Pure. */

/** Every mechanism the engine implements, strongest password mechanism first, then the bearer-token ones. */
export const SUPPORTED_MECHANISMS: readonly string[] = Object.freeze([
  'SCRAM-SHA-256',
  'SCRAM-SHA-1',
  'CRAM-MD5',
  'PLAIN',
  'LOGIN',
  'XOAUTH2',
  'OAUTHBEARER',
]);

/** The mechanisms whose secret is an OAuth 2.0 access token rather than a password. */
export const TOKEN_MECHANISMS: readonly string[] = Object.freeze(['XOAUTH2', 'OAUTHBEARER']);

/** Whether a mechanism (any case; 'auto' is not) takes an access token. */
export function usesToken(mechanism: string | undefined): boolean {
  return mechanism !== undefined && TOKEN_MECHANISMS.includes(mechanism.toUpperCase());
}
