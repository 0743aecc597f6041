// The package version, read from the package's package.json. The code runs only from the build
// (dist/src/version.js, tests too), so that file is two directories up.
import { readFileSync } from 'node:fs';

export function toolVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { name?: string; version?: string };
    if (pkg.name === 'radam-run' && pkg.version) return pkg.version;
  } catch {
    // unreadable or not JSON: the version is reported as unknown rather than failing the run
  }
  return 'unknown';
}
