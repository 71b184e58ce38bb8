// A local ESLint rule: which parts of the tree a file may import from. Relative specifiers are resolved against the
// importing file, so "../../main/x.js" is judged by where it lands, not by how it is spelled.
//
// Options (one object):
//   allowOnly:   project folders (from the repository root) that relative imports must land in; anything else fails
//   deny:        [{ path, message }] project folders that imports must not land in
//   denyModules: [{ pattern, message }] bare specifiers (packages, node builtins) refused, matched as regular expressions
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

/** Node's builtins as a pattern: node:*, and the bare names (fs, path, fs/promises …). */
export const NODE_BUILTINS = `^(node:.*|(${builtinModules
  .filter((m) => !m.startsWith('_'))
  .map((m) => m.replace(/[/]/g, '\\/'))
  .join('|')})(\\/.*)?)$`;

const inside = (file, folder) => {
  const rel = path.relative(path.join(ROOT, folder), file);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
};

/** @type {import('eslint').Rule.RuleModule} */
export const importBoundary = {
  meta: {
    type: 'problem',
    docs: { description: 'Keep each part of the tree to the imports its layer allows' },
    schema: [
      {
        type: 'object',
        properties: {
          allowOnly: { type: 'array', items: { type: 'string' } },
          allowOnlyMessage: { type: 'string' },
          deny: {
            type: 'array',
            items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } }, required: ['path'] },
          },
          denyModules: {
            type: 'array',
            items: { type: 'object', properties: { pattern: { type: 'string' }, message: { type: 'string' } }, required: ['pattern'] },
          },
        },
        additionalProperties: false,
      },
    ],
    messages: { boundary: '{{ specifier }}: {{ why }}' },
  },
  create(context) {
    const options = context.options[0] ?? {};
    const file = context.filename;
    const denyModules = (options.denyModules ?? []).map((d) => ({ re: new RegExp(d.pattern), message: d.message ?? 'not allowed here' }));
    const check = (node, specifier) => {
      if (typeof specifier !== 'string') return;
      const report = (why) => context.report({ node, messageId: 'boundary', data: { specifier, why } });
      if (specifier.startsWith('.') || specifier.startsWith('/')) {
        const target = path.resolve(path.dirname(file), specifier);
        for (const d of options.deny ?? []) if (inside(target, d.path)) return report(d.message ?? `must not import from ${d.path}/`);
        if (options.allowOnly && !options.allowOnly.some((folder) => inside(target, folder))) {
          return report(options.allowOnlyMessage ?? `may import only from ${options.allowOnly.join(', ')}`);
        }
        return;
      }
      for (const d of denyModules) if (d.re.test(specifier)) return report(d.message);
    };
    const fromSource = (node) => check(node, node.source?.value);
    return {
      ImportDeclaration: fromSource,
      ExportNamedDeclaration: (node) => node.source && fromSource(node),
      ExportAllDeclaration: fromSource,
      ImportExpression: (node) => node.source.type === 'Literal' && check(node, node.source.value),
      TSImportType: (node) => {
        const arg = node.argument?.literal ?? node.argument;
        if (arg?.type === 'Literal') check(node, arg.value);
      },
    };
  },
};

export default { rules: { 'import-boundary': importBoundary } };
