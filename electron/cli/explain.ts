import { explainEnhanced } from '../../shared/explain/enhanced-codes.js';
import { parseCodeQuery } from '../../shared/explain/query.js';
import { explainReplyCode } from '../../shared/explain/reply-codes.js';
import type { Reference } from '../../shared/explain/references.js';
import { inertText } from '../../shared/inert-text.js';
import { UsageError } from './usage-error.js';

/** `smtp-lens explain CODE`: the plain-language explanation the app's Explain panel shows, as text. */

const ref = (r: Reference): string => (r.url ? `${r.label} <${r.url}>` : r.label);

/** The explanation of a reply code and/or enhanced status code, with the server's words when they were given. */
export function formatExplanation(input: string): string {
  const query = parseCodeQuery(input);
  if (!query)
    throw new UsageError(
      `explain takes a reply code (550), an enhanced status code (5.7.1), or both, with any text after them (got "${input}")`,
    );
  const out: string[] = [];
  if (query.text) out.push(`The server said: ${input.trim()}`, '');
  if (query.code !== undefined) {
    const r = explainReplyCode(query.code);
    out.push(`${query.code}  ${r.title}`, `  ${r.meaning}`);
    if (r.valid) {
      out.push(`  Class:      ${r.classLabel} — ${r.classText}`, `  Category:   ${r.categoryLabel} — ${r.categoryText}`);
      out.push(
        `  Defined in: ${[r.ref, ...(r.also ?? [])].map(ref).join(', ')}${r.known ? '' : ' (no entry of its own: explained by its digits)'}`,
      );
    }
  }
  if (query.enhancedCode) {
    if (out.length && out.at(-1) !== '') out.push('');
    const e = explainEnhanced(query.enhancedCode);
    if (!e) {
      out.push(
        `${query.enhancedCode}  Not an enhanced status code: the form is class.subject.detail, with a class of 2, 4 or 5 (RFC 3463)`,
      );
    } else {
      out.push(`${query.enhancedCode}  ${e.detailName}`, `  ${e.detailText}`);
      out.push(`  Class:      ${e.classDigit}.x.x ${e.className} — ${e.classText}`);
      out.push(`  Subject:    x.${e.subject}.x ${e.subjectName} — ${e.subjectText}`);
      out.push(`  Detail:     x.${e.subject}.${e.detail} ${e.detailName}${e.detailKnown ? '' : ' (not registered)'}`);
      out.push(`  Defined in: ${ref(e.ref)}`);
    }
  }
  return out.map((l) => inertText(l)).join('\n') + '\n';
}

/** A few words for a failure line: the enhanced code's detail when there is one, else the reply code's title. */
export function explainInOneLine(code: number | undefined, enhancedCode: string | undefined): string | undefined {
  const e = enhancedCode ? explainEnhanced(enhancedCode) : null;
  if (e?.detailKnown) return `${e.className.toLowerCase()}: ${e.detailName.toLowerCase()}`;
  if (code === undefined) return undefined;
  const r = explainReplyCode(code);
  return r.valid ? r.title : undefined;
}
