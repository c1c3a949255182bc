// Lint rules, plus the layer rules DESIGN.md asks for (after perfetto's tools/check_imports):
// src/core is the emulated kernel and must run unchanged in a Worker, in Node (CLI, tests, bench)
// and in the browser, so it may import nothing from the hosts or the UI.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

const layer = (files, patterns, message) => ({
  files,
  rules: {
    'no-restricted-imports': ['error', { patterns: patterns.map((group) => ({ group: [group], message })) }],
  },
});

export default tseslint.config(
  { ignores: ['dist', 'node_modules', 'test-results', 'playwright-report', 'reference'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    files: ['src/ui/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: reactHooks.configs.recommended.rules,
  },
  {
    files: ['src/core/**/*.ts'],
    languageOptions: { globals: {} },
    rules: {
      // Determinism: the core has no clock and no randomness of its own (DESIGN.md "Deterministic").
      'no-restricted-globals': [
        'error',
        'Date',
        'setTimeout',
        'setInterval',
        'performance',
        'window',
        'document',
        'self',
        'postMessage',
      ],
      // struct page's arrays are read through the machine each time (`m.pages.flags[pfn]`), never
      // kept in a local: the timeline's step window swaps them for write-watching Proxies in the
      // middle of an operation (WriteTracker, src/core/snapshot.ts), and writes through a copy of the
      // reference taken before would go unseen, so a snapshot would share a block that changed.
      'no-restricted-syntax': [
        'error',
        {
          selector:
            "VariableDeclarator[init.type='MemberExpression'][init.object.type='MemberExpression'][init.object.property.name='pages'][init.property.name=/^(flags|refcount|mapcount|order|owner|next|prev)$/]",
          message:
            "Read struct page's arrays through the machine each time (m.pages.flags[pfn]), not from a local: the step window's WriteTracker swaps them mid-operation (src/core/snapshot.ts).",
        },
        {
          selector:
            "VariableDeclarator[id.type='ObjectPattern'][init.type='MemberExpression'][init.property.name='pages']",
          message:
            "Read struct page's arrays through the machine each time (m.pages.flags[pfn]), not from a local: the step window's WriteTracker swaps them mid-operation (src/core/snapshot.ts).",
        },
      ],
      'no-restricted-properties': [
        'error',
        {
          object: 'Math',
          property: 'random',
          message: 'The core is deterministic (DESIGN.md): no Math.random; take randomness as an input.',
        },
      ],
    },
  },
  layer(
    ['src/core/**/*.ts'],
    [
      'react',
      'react-dom',
      'react-dom/*',
      'zustand',
      'd3-*',
      '**/worker/**',
      '**/ui/**',
      '**/render/**',
      '**/cli/**',
      'node:*',
      'fs',
      'path',
    ],
    'src/core is the emulated kernel: it imports nothing from the DOM, React, the worker, the renderer, the UI or Node (DESIGN.md).',
  ),
  layer(
    ['src/render/**/*.ts'],
    ['react', 'react-dom', 'react-dom/*', '**/ui/**', '**/worker/worker'],
    'src/render draws canvases without React (STYLE.md, excalidraw/perfetto).',
  ),
  layer(
    ['src/ui/**/*.{ts,tsx}', 'src/render/**/*.ts'],
    [
      '**/core/mm/**',
      '**/core/phys/**',
      '**/core/machine',
      '**/core/proc/**',
      '**/core/scenario/**',
      '**/core/boot',
    ],
    'The main thread talks to the emulated kernel only through src/worker/protocol.ts (DESIGN.md); shared constants live in src/core/shared.',
  ),
);
