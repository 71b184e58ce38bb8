import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * The Electron executable, when one is installed; undefined otherwise.
 *
 * `require('electron')` gives the same path, but when the binary is missing it tries to download it (and throws when
 * it cannot): this reads the same files without that side effect — node_modules/electron/path.txt names the
 * executable under dist/, and ELECTRON_OVERRIDE_DIST_PATH points to another dist.
 */
export function electronExecutable(): string | undefined {
  try {
    const require = createRequire(import.meta.url);
    const dir = path.dirname(require.resolve('electron/package.json'));
    const pathFile = path.join(dir, 'path.txt');
    const relative = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : undefined;
    const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
    const full = override ? path.join(override, relative || 'electron') : relative ? path.join(dir, 'dist', relative) : undefined;
    return full && existsSync(full) ? full : undefined;
  } catch {
    return undefined;
  }
}
