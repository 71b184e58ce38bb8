import { SmtpError, escapeBytes } from '../errors.js';
import type { SaslClient } from './sasl.js';

type Field = 'user' | 'password';

// The usual prompts are "Username:" and "Password:", but servers localise or vary them
// ("User Name", "login:", "Passwort:"), so match loosely.
const USER_PROMPT = /user|login/i;
const PASSWORD_PROMPT = /pass/i;

/**
 * LOGIN (draft-murchison-sasl-login): the server prompts for the user name, then the password.
 * No initial response: sending the user name on the AUTH line is an optional extension that
 * older servers reject, and the classic two-challenge dance works everywhere.
 */
class LoginClient implements SaslClient {
  readonly name = 'LOGIN';
  readonly supportsInitialResponse = false;
  readonly #user: Buffer;
  readonly #password: Buffer;
  readonly #sent = new Set<Field>();
  #challenges = 0;

  constructor(user: string, password: string) {
    this.#user = Buffer.from(user, 'utf8');
    this.#password = Buffer.from(password, 'utf8');
  }

  initialResponse(): Buffer | null {
    return null;
  }

  respond(challenge: Buffer): Buffer {
    this.#challenges++;
    if (this.#challenges > 2) {
      throw new SmtpError('protocol-error', 'LOGIN: the server sent a third challenge; LOGIN has only two', {
        command: 'AUTH LOGIN',
        raw: escapeBytes(challenge),
      });
    }
    const field = this.#fieldFor(challenge.toString('utf8'));
    this.#sent.add(field);
    return Buffer.from(field === 'user' ? this.#user : this.#password);
  }

  complete(): void {
    // Nothing to verify: LOGIN gives no server proof.
  }

  #fieldFor(prompt: string): Field {
    // Check the password prompt first: "Password for user:" must not be taken as a user prompt.
    if (PASSWORD_PROMPT.test(prompt)) return 'password';
    if (USER_PROMPT.test(prompt)) return 'user';
    // Unrecognisable prompt: go by order, user first, then whatever has not been sent.
    return this.#sent.has('user') ? 'password' : 'user';
  }
}

/** Create a LOGIN client. */
export function createLoginClient(credentials: { user: string; password: string }): SaslClient {
  return new LoginClient(credentials.user, credentials.password);
}
