/** The few Python standard-library behaviours fife_launch's output depends on. */

/** urllib.parse.quote(s) with its default safe='/'. */
export function urlQuote(s: string): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    const ch = String.fromCharCode(byte);
    out += /[A-Za-z0-9_.\-~/]/.test(ch)
      ? ch
      : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** os.path.expandvars: $name and ${name} replaced when set, left as written otherwise. */
export function expandVars(s: string, env: Readonly<Record<string, string | undefined>>): string {
  return s.replace(/\$(\w+|\{[^}]*\})/g, (whole, name: string) => {
    const key = name.startsWith('{') && name.endsWith('}') ? name.slice(1, -1) : name;
    const v = env[key];
    return v === undefined ? whole : v;
  });
}

/** int(s) for the strings Python accepts: optional sign, digits, surrounding blanks. */
export function pythonInt(s: string): number | undefined {
  return /^\s*[+-]?\d+\s*$/.test(s) ? Number.parseInt(s.trim(), 10) : undefined;
}

/**
 * The subset of Python expressions [global_eval] may hold here: string literals, optionally
 * joined with '+'. Anything else is refused rather than guessed.
 */
export function evalStringExpression(expr: string): string | undefined {
  const tokens: string[] = [];
  let rest = expr.trim();
  let expectLiteral = true;
  while (rest) {
    if (expectLiteral) {
      const m = /^(?:'((?:[^'\\\n]|\\.)*)'|"((?:[^"\\\n]|\\.)*)")\s*/.exec(rest);
      if (!m) return undefined;
      tokens.push(unescapePython(m[1] ?? m[2] ?? ''));
      rest = rest.slice(m[0].length);
      expectLiteral = false;
    } else {
      const m = /^\+\s*/.exec(rest);
      if (!m) return undefined;
      rest = rest.slice(m[0].length);
      expectLiteral = true;
    }
  }
  return expectLiteral ? undefined : tokens.join('');
}

function unescapePython(s: string): string {
  const simple: Record<string, string> = { n: '\n', t: '\t', '\\': '\\', "'": "'", '"': '"' };
  return s.replace(/\\(.)/g, (whole, c: string) => simple[c] ?? whole);
}
