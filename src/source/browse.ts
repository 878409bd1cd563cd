/** Where a diagnostic points: its file (from the spec root) and line. */
export interface Location {
  file: string;
  line: number;
}

/** The file and line a formatted diagnostic (`file:line:column: …`) begins with. */
export function locationOf(diagnostic: string): Location | undefined {
  const m = /^([^\s:][^:]*):(\d+):\d+: /.exec(diagnostic);
  return m ? { file: m[1]!, line: Number(m[2]) } : undefined;
}

/**
 * The forge's address of a file at a revision: source.browseUrl with {revision}, {path} and
 * {line} put in. `specPath` is source.path: diagnostics name files from the spec root.
 */
export function browseLink(
  template: string,
  specPath: string | undefined,
  revision: string,
  at: Location,
): string {
  const full = [specPath?.replace(/^\/+|\/+$/g, ''), at.file].filter(Boolean).join('/');
  const path = full.split('/').map(encodeURIComponent).join('/');
  return template
    .replaceAll('{revision}', encodeURIComponent(revision))
    .replaceAll('{path}', path)
    .replaceAll('{line}', String(at.line));
}
