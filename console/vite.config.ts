/** Builds the admin console (docs/contract.md#console) into console/dist: static files only, no runtime server. */
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

/**
 * React Aria injects a <style id="react-aria-pressable-style"> unless an element with that id
 * exists; the strict CSP (no inline styles) would block it. Our stylesheet carries the same rule
 * (styles.css), so its <link> takes the id and React Aria leaves the page alone.
 */
function pressableStyleFromStylesheet(): Plugin {
  return {
    name: 'react-aria-pressable-style',
    transformIndexHtml: {
      order: 'post',
      handler: (html) =>
        html.replace(/<link rel="stylesheet"/, '<link id="react-aria-pressable-style" rel="stylesheet"'),
    },
  };
}

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [react(), pressableStyleFromStylesheet()],
  // Served from the site root locally (GET / on PORT) and on CloudFront alike.
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // The strict CSP forbids inline scripts and styles: never inline assets as data: URLs into JS.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    reportCompressedSize: true,
    sourcemap: false,
  },
});
