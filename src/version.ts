// The package version, read from package.json next to the build.
import { readFileSync } from 'node:fs';

export function toolVersion(): string {
  // dist/src/version.js → ../../package.json (also src/version.ts → ../package.json under tsx)
  for (const rel of ['../../package.json', '../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'radam-run' && pkg.version) return pkg.version;
    } catch {
      // try the next location
    }
  }
  return 'unknown';
}
