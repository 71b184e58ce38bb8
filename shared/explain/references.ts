/**
 * Where an explanation comes from: an RFC (with a section when one is precise), an Internet-Draft, a registry or
 * a vendor's document. Pure data, no Node or DOM APIs: the renderer, the HTML report and the CLI share it.
 *
 * Every URL points at a host the desktop app may open in the user's browser (electron/main/security.ts:
 * rfc-editor.org, datatracker.ietf.org, www.iana.org, github.com).
 */

export interface Reference {
  /** What to show: "RFC 5321 §4.2.3", "IANA registry", "Postfix (non-standard)". */
  label: string;
  /** Where to read more; absent when no allowed host has the document. */
  url?: string;
  rfc?: number;
  /** Section number as the RFC prints it ("4.2.3"). */
  section?: string;
}

/** The canonical address of an RFC (optionally one of its sections) at the RFC Editor. */
export function rfcUrl(rfc: number, section?: string): string {
  return `https://www.rfc-editor.org/rfc/rfc${rfc}${section ? `#section-${section}` : ''}`;
}

export function rfcRef(rfc: number, section?: string): Reference {
  return { label: `RFC ${rfc}${section ? ` §${section}` : ''}`, url: rfcUrl(rfc, section), rfc, ...(section ? { section } : {}) };
}

export const IANA_ENHANCED_STATUS_CODES_URL =
  'https://www.iana.org/assignments/smtp-enhanced-status-codes/smtp-enhanced-status-codes.xhtml';
export const IANA_MAIL_PARAMETERS_URL = 'https://www.iana.org/assignments/mail-parameters/mail-parameters.xhtml';

/** Whether a URL is one this module may hand out (https on an allow-listed host). */
export function isReferenceUrl(url: string): boolean {
  return /^https:\/\/(www\.rfc-editor\.org\/rfc\/rfc\d+(#section-\d+(\.\d+)*)?|datatracker\.ietf\.org\/doc\/[a-z0-9-]+\/?|www\.iana\.org\/assignments\/[a-z0-9/.-]+)$/.test(
    url,
  );
}
