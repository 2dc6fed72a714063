import type { Plugin } from 'esbuild';

// serverless.yml custom.esbuild.plugins: the esbuild plugins every function bundle is built with
// (the deploy, `npm run dev`, and every tool that bundles as the deploy does: bundles.ts).

/**
 * Node builtins a bundle loads with `require()` instead of `import`. To import a builtin, Node
 * builds an ES module namespace of it by reading every export, getters included, once per
 * process. node:http's getters `WebSocket`, `CloseEvent` and `MessageEvent` load Node's fetch
 * stack (undici): ~14 ms of every cold start on Node 24, for classes no function uses; process's
 * read all of `process` (~1.5 ms). The Lambda runtime loads `http` with require, so the first
 * import is the bundle's. `require` is the banner's (custom.esbuild.banner). docs/performance.md.
 */
const REQUIRED_BUILTINS = /^(?:node:)?(?:http|process)$/;
const NAMESPACE = 'required-builtin';

export const requireBuiltins: Plugin = {
  name: 'require-builtins',
  setup(build) {
    build.onResolve({ filter: REQUIRED_BUILTINS }, ({ path, namespace }) =>
      // The stand-in's own require() is the builtin itself, left to Node.
      namespace === NAMESPACE
        ? { path, external: true }
        : { path: path.startsWith('node:') ? path : `node:${path}`, namespace: NAMESPACE },
    );
    // A CommonJS stand-in: esbuild reads its named exports off module.exports at run time.
    build.onLoad({ filter: /.*/, namespace: NAMESPACE }, ({ path }) => ({
      contents: `module.exports = require(${JSON.stringify(path)});`,
      loader: 'js',
    }));
  },
};

export default [requireBuiltins];
