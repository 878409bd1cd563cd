import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** The installed package's root: src/ and dist/ both sit directly below it. */
export const PACKAGE_ROOT = fileURLToPath(new URL('../', import.meta.url));

/** A compiled entry point that runs in its own process (the build puts it under dist/). */
export function distEntry(rel: string): string {
  return path.join(PACKAGE_ROOT, 'dist', rel);
}
