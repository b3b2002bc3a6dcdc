// A local ESLint rule that enforces the layering of STYLE.md by resolved path, so that `../store/x.js` and
// `../../../store/x.js` are the same import whatever the depth of the importing file.
//
// The policy (which folder is which part, and which part may import which) lives in eslint.config.js; this file
// is only the mechanism. Each file is put in the first part whose `files` globs match its path relative to
// `root`. A relative import is resolved against the importing file and put in a part the same way; a bare
// import (a package or a node builtin) is checked against the part's `packages` and the `packageOwners` table.
import { isBuiltin } from 'node:module';
import path from 'node:path';

/** `**` matches any number of folders, `*` one path segment (captured, see `isolated`). */
function globToRegExp(glob) {
  const source = glob
    .split('**')
    .map((chunk) => chunk.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '([^/]*)'))
    .join('.*');
  return new RegExp(`^${source}$`);
}

function compileParts(parts) {
  return parts.map((part) => ({ ...part, patterns: part.files.map(globToRegExp) }));
}

/** The part a repository-relative path belongs to, with the folder instance for `isolated` parts. */
function partOf(parts, relPath) {
  for (const part of parts) {
    for (const pattern of part.patterns) {
      const match = pattern.exec(relPath);
      if (match) return { part, instance: match.slice(1).join('/') };
    }
  }
  return undefined;
}

/** `@scope/name/sub/path.js` → `@scope/name`, `kysely/helpers/postgres` → `kysely`. */
function packageName(specifier) {
  const segments = specifier.split('/');
  return specifier.startsWith('@') ? segments.slice(0, 2).join('/') : segments[0];
}

const isRelative = (specifier) => specifier === '.' || specifier.startsWith('./') || specifier.startsWith('../');
const toPosix = (p) => p.split(path.sep).join('/');
/** Under `nodenext` a relative import names the emitted file: `./clock.js` is `./clock.ts` in the tree. */
const toSource = (p) => p.replace(/\.(m|c)?js(x?)$/, '.$1ts$2');

/** @type {import('eslint').Rule.RuleModule} */
export const layersRule = {
  meta: {
    type: 'problem',
    docs: { description: 'Enforce who may import whom between the parts of the codebase (STYLE.md, layers).' },
    schema: [
      {
        type: 'object',
        properties: {
          root: { type: 'string' },
          layered: { type: 'array', items: { type: 'string' } },
          parts: { type: 'array' },
          packageOwners: { type: 'object' },
        },
        required: ['root', 'parts'],
        additionalProperties: false,
      },
    ],
    messages: {
      part: "'{{from}}' may not import '{{to}}' ({{target}}). '{{from}}' may import: {{allowed}}.",
      otherInstance: "'{{from}}' folder '{{instance}}' may not import another {{from}} folder ({{target}}).",
      unlayered: "'{{from}}' may not import {{target}}: it is in no part of the layering.",
      noPackages: "'{{from}}' is pure: it imports no package and no node builtin ('{{specifier}}').",
      notOwner: "Only {{owners}} may import '{{name}}'; this file is in '{{from}}'.",
      fileInNoPart: '{{file}} is in no part of the layering: add its folder to the parts table in eslint.config.js.',
    },
  },

  create(context) {
    const { root, layered = [], packageOwners = {} } = context.options[0];
    const parts = compileParts(context.options[0].parts);
    const layeredPatterns = layered.map(globToRegExp);
    const relative = (absolute) => toPosix(path.relative(root, absolute));
    const isLayered = (relPath) => layeredPatterns.some((pattern) => pattern.test(relPath));

    const fileRel = relative(context.filename);
    const importer = partOf(parts, fileRel);
    if (!importer) {
      if (!isLayered(fileRel)) return {}; // tests, benches, tooling: not part of the layering
      return {
        Program(node) {
          context.report({ node, messageId: 'fileInNoPart', data: { file: fileRel } });
        },
      };
    }
    const from = importer.part.name;

    function checkRelative(node, specifier) {
      const targetRel = toSource(relative(path.resolve(path.dirname(context.filename), specifier)));
      const target = partOf(parts, targetRel);
      if (!target) {
        context.report({ node, messageId: 'unlayered', data: { from, target: targetRel } });
      } else if (!importer.part.imports.includes(target.part.name)) {
        const allowed = importer.part.imports.join(', ');
        context.report({ node, messageId: 'part', data: { from, to: target.part.name, target: targetRel, allowed } });
      } else if (importer.part.isolated && target.part === importer.part && target.instance !== importer.instance) {
        context.report({
          node,
          messageId: 'otherInstance',
          data: { from, instance: importer.instance, target: targetRel },
        });
      }
    }

    function checkPackage(node, specifier) {
      if (importer.part.packages === 'none') {
        context.report({ node, messageId: 'noPackages', data: { from, specifier } });
        return;
      }
      if (isBuiltin(specifier)) return;
      const name = packageName(specifier);
      const owners = packageOwners[name];
      if (owners && !owners.includes(from)) {
        context.report({ node, messageId: 'notOwner', data: { from, name, owners: owners.join(', ') } });
      }
    }

    function check(node, source) {
      if (!source || source.type !== 'Literal' || typeof source.value !== 'string') return;
      const specifier = source.value;
      if (isRelative(specifier) || path.isAbsolute(specifier)) checkRelative(source, specifier);
      else checkPackage(source, specifier);
    }

    return {
      ImportDeclaration: (node) => check(node, node.source),
      ExportNamedDeclaration: (node) => check(node, node.source),
      ExportAllDeclaration: (node) => check(node, node.source),
      ImportExpression: (node) => check(node, node.source),
      // `import x = require('…')` and `typeof import('…')` in type positions
      TSExternalModuleReference: (node) => check(node, node.expression),
      TSImportType: (node) => check(node, node.argument.type === 'TSLiteralType' ? node.argument.literal : undefined),
    };
  },
};

export const plugin = { meta: { name: 'dirsync' }, rules: { layers: layersRule } };
