// Command lines as argument lists and back: a POMS export's launch_script and setup lines
// (POMS hands them to a shell; gitpoms runs argv only), and a plan's commands shown to a person.
import { parse } from 'shell-quote';

/** The words of a command line, or why it needs a shell (an operator, a variable, a glob). */
export function commandWords(line: string): { words: string[] } | { shell: string } {
  let variable: string | undefined;
  const parts = parse(line, (name: string) => {
    variable ??= name;
    return `$${name}`;
  });
  if (variable !== undefined) return { shell: `the variable $${variable}` };
  const words: string[] = [];
  for (const p of parts) {
    if (typeof p === 'string') words.push(p);
    else if ('op' in p && p.op === 'glob') words.push(p.pattern);
    else if ('comment' in p) break;
    else return { shell: `the shell operator ${JSON.stringify(p.op)}` };
  }
  return { words };
}

const PLAIN = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** One word as a POSIX shell reads it back: bare when it can be, else single-quoted. */
export function shellWord(w: string): string {
  return PLAIN.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`;
}

export const commandLine = (words: readonly string[]): string => words.map(shellWord).join(' ');
