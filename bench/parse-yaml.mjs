// The baseline of the CLI's big-repository case: a process that reads every YAML file under
// a directory and parses each to plain data, and does nothing else.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';

let files = 0;
const walk = (dir) => {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p);
    else if (/\.ya?ml$/.test(e.name)) {
      for (const doc of parseAllDocuments(readFileSync(p, 'utf8'))) doc.toJS();
      files++;
    }
  }
};
walk(process.argv[2] ?? '.');
if (!files) throw new Error(`no YAML file under ${process.argv[2]}`);
