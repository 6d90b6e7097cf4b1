import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = path.dirname(fileURLToPath(import.meta.url));

/**
 * The staff pages (`/inbox`, `/sandbox`), built to dist/web and served by the hub with a strict
 * Content-Security-Policy: no inline scripts, so every script is an emitted file under /web/assets.
 */
export default defineConfig({
  root: here,
  base: '/web/',
  // Vite 8 compiles TSX with its built-in oxc transform; no React plugin (no fast refresh needed).
  oxc: { jsx: { runtime: 'automatic', importSource: 'react' } },
  build: {
    outDir: path.resolve(here, '../dist/web'),
    emptyOutDir: true,
    target: 'es2022',
    // Inline data: URLs would need a looser CSP; every asset is a file.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    // Written for whoever runs the machine, never linked from the scripts nor served (web-pages.ts).
    sourcemap: 'hidden',
    rollupOptions: {
      input: {
        inbox: path.resolve(here, 'inbox/index.html'),
        sandbox: path.resolve(here, 'sandbox/index.html'),
      },
      // The chunk both pages share (React) gets a name that says so; one loaded later (the
      // campaign chart with uPlot) keeps its module's name.
      output: {
        chunkFileNames: (chunk) =>
          chunk.isDynamicEntry ? 'assets/[name]-[hash].js' : 'assets/shared-[hash].js',
      },
    },
  },
});
