// Used by package.json's `prepare` script: exits 0 when dist/ holds a build at least as new as every
// file under src/ and package.json, else 1 (then prepare builds). npm runs `prepare` when npx links this
// directory (npm_command=exec); a current build makes that first npx start at once instead of spending
// ~17 s rebuilding, and a source newer than the build (an edit, a git pull) still gets rebuilt.
const { existsSync, readdirSync, statSync } = require('node:fs');
const { join } = require('node:path');

/** The newest modification time under `path` (a file, or a directory walked recursively). */
function newest(path) {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  return readdirSync(path).reduce((t, name) => Math.max(t, newest(join(path, name))), 0);
}

const built = join('dist', 'src', 'cli', 'main.js');
// without sources (a packed copy) there is nothing to rebuild from: a build that is there is current
const sources = existsSync('src') ? newest('src') : 0;
const current = existsSync(built) && statSync(built).mtimeMs >= Math.max(sources, newest('package.json'));
process.exit(current ? 0 : 1);
