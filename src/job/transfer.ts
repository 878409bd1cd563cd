import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';

/**
 * How a job's wrapper moves files: an input in from the location the catalog gives, an
 * output out to its destination (fife_wrap does both with `ifdh cp`).
 */
export interface Transfer {
  /** Copies file `name` at `location` into `to`. */
  fetch(location: string, name: string, to: string): void;
  /** Copies `file` to the destination directory `dest`. */
  store(file: string, dest: string): void;
}

/**
 * The embedded runtime's storage: logical locations such as /pnfs/sbnd/… are directories
 * under `root` on this machine.
 */
export function localTransfer(root: string): Transfer {
  const physical = (logical: string) => path.join(root, logical);
  return {
    fetch: (location, name, to) => copyFileSync(path.join(physical(location), name), to),
    store(file, dest) {
      mkdirSync(physical(dest), { recursive: true });
      copyFileSync(file, path.join(physical(dest), path.basename(file)));
    },
  };
}
