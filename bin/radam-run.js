#!/usr/bin/env node
// Entry shim: runs the CLI compiled to dist/ (built by `npm install`/`npm ci` through the `prepare` script).
import('../dist/src/cli/main.js').then(
  (cli) => cli.run(),
  (err) => {
    if (err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/src/cli/main.js')) {
      process.stderr.write('radam-run: the build is missing; run `npm install` (or `npm run build`) in the package directory\n');
      process.exit(2);
    }
    throw err;
  },
);
