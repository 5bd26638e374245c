// The import direction of docs/architecture.md, enforced: a module under src/<layer>/ may import
// only from the layers listed for it. Keep this table and the architecture doc in step.
import path from 'node:path';

export const ALLOWED_IMPORTS = {
  core: [],
  hardware: ['core'],
  profile: ['core', 'hardware'],
  plan: ['core', 'hardware', 'profile'],
  policy: ['core'],
  observe: ['core', 'hardware', 'policy'],
  adapt: ['core', 'hardware', 'profile', 'plan', 'policy', 'observe'],
  sim: ['core', 'hardware', 'profile', 'plan', 'policy', 'observe', 'adapt'],
  serve: ['core', 'hardware', 'profile', 'plan', 'policy', 'observe', 'adapt'],
  deploy: ['core', 'hardware', 'profile', 'plan', 'policy', 'observe', 'adapt'],
  cli: null, // may use everything; nothing may import it
};

function layerOf(file, srcRoot) {
  const rel = path.relative(srcRoot, file);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
  return rel.split(path.sep)[0];
}

export const layersRule = {
  meta: {
    type: 'problem',
    docs: { description: 'imports point one way along the data flow (docs/architecture.md)' },
    schema: [],
    messages: {
      forbidden: "'{{from}}' may not import from '{{to}}' (allowed: {{allowed}}). See docs/architecture.md.",
      cli: "nothing may import from 'cli'; move the shared piece into the layer that owns it.",
    },
  },
  create(context) {
    const file = context.filename;
    const srcRoot = path.join(context.cwd, 'src');
    const from = layerOf(file, srcRoot);
    function check(node, source) {
      if (typeof source !== 'string' || !source.startsWith('.')) return;
      const target = path.resolve(path.dirname(file), source);
      const to = layerOf(target, srcRoot);
      if (to === undefined) return;
      if (to === 'cli' && from !== 'cli') {
        context.report({ node, messageId: 'cli' });
        return;
      }
      if (from === undefined || from === to) return;
      const allowed = ALLOWED_IMPORTS[from];
      if (allowed === null) return;
      if (allowed === undefined || !allowed.includes(to)) {
        context.report({
          node,
          messageId: 'forbidden',
          data: { from, to, allowed: (allowed ?? []).join(', ') || 'none' },
        });
      }
    }
    return {
      ImportDeclaration(node) { check(node.source, node.source.value); },
      ExportNamedDeclaration(node) { if (node.source) check(node.source, node.source.value); },
      ExportAllDeclaration(node) { check(node.source, node.source.value); },
      ImportExpression(node) { if (node.source.type === 'Literal') check(node.source, node.source.value); },
    };
  },
};

export default { rules: { layers: layersRule } };
