#!/usr/bin/env node
// Entry shim: the CLI is compiled to dist/ by `npm install` (the `prepare` script).
import('../dist/src/cli/main.js').catch((err) => {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/src/cli/main.js')) {
    process.stderr.write('radam-run: the build is missing; run `npm install` (or `npm run build`) in the package directory\n');
    process.exit(2);
  }
  throw err;
});
