// The package version, read from the package.json of the installation (manifests and reports carry it).
import { readFileSync } from 'node:fs';

export function toolVersion(): string {
  // dist/src/base/version.js → ../../../package.json
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { name?: string; version?: string };
    if (pkg.name === 'radam-run' && pkg.version) return pkg.version;
  } catch {
    // no package.json where the build expects it
  }
  return 'unknown';
}
