import { isMap, isScalar, LineCounter, parseAllDocuments, type Document, type Node } from 'yaml';
import { formatPath, type Diagnostic } from './diagnostic.js';

export type FieldPath = readonly (string | number)[];

export interface Position {
  line: number;
  column: number;
}

/** One YAML document with the means to point back at its source. */
export interface SourceDoc {
  file: string;
  /** 0-based position of the document in its file. */
  index: number;
  value: unknown;
  /** Where a field's value (or, with `key`, its key) starts; the nearest existing ancestor when absent. */
  locate(path: FieldPath, key?: boolean): Position;
}

export interface ParsedFile {
  docs: SourceDoc[];
  diagnostics: Diagnostic[];
}

function positionOf(lc: LineCounter, offset: number): Position {
  const { line, col } = lc.linePos(offset);
  return { line, column: col };
}

function nodeStart(node: unknown): number | undefined {
  const range = (node as Node | undefined)?.range;
  return range ? range[0] : undefined;
}

function locator(doc: Document, lc: LineCounter) {
  return (path: FieldPath, key = false): Position => {
    if (key && path.length > 0) {
      const parent = doc.getIn(path.slice(0, -1), true);
      if (isMap(parent)) {
        const last = path[path.length - 1];
        const pair = parent.items.find((p) => isScalar(p.key) && p.key.value === last);
        const start = nodeStart(pair?.key);
        if (start !== undefined) return positionOf(lc, start);
      }
    }
    for (let n = path.length; n >= 0; n--) {
      const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
      const start = nodeStart(node);
      if (start !== undefined) return positionOf(lc, start);
    }
    return { line: 1, column: 1 };
  };
}

/** Parses every document of a YAML file; syntax errors become diagnostics, never exceptions. */
/**
 * Why a file's text is not YAML gitpoms can read, before a parser would misread it: UTF-16,
 * binary, bytes that are not UTF-8, or old-Mac line endings (CR alone). The text is as UTF-8
 * decoding gave it (a byte it could not decode is U+FFFD).
 */
export function encodingProblem(
  text: string,
): { line: number; message: string; hint: string } | undefined {
  const saveAs = 'save it as UTF-8 text; editors call it "Save with Encoding"';
  const nul = text.indexOf('\0');
  if (nul >= 0) {
    const utf16 = text.startsWith('\uFFFD\uFFFD') || /^(?:[^\0]\0){4}|^(?:\0[^\0]){4}/.test(text);
    return utf16
      ? { line: 1, message: 'the file is UTF-16; YAML here is read as UTF-8', hint: saveAs }
      : {
          line: lineAt(text, nul),
          message: 'the file holds NUL bytes: it is binary, not YAML text',
          hint: 'declarations are YAML text files',
        };
  }
  const bad = text.indexOf('\uFFFD');
  if (bad >= 0)
    return {
      line: lineAt(text, bad),
      message: 'the file is not valid UTF-8: this line holds bytes of another encoding',
      hint: saveAs,
    };
  if (text.includes('\r') && !text.includes('\n'))
    return {
      line: 1,
      message: 'the file ends its lines with CR alone (old Mac OS), which YAML reads as one line',
      hint: 'save it with LF or CRLF line endings',
    };
  return undefined;
}

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

export function parseYamlFile(file: string, text: string): ParsedFile {
  const lc = new LineCounter();
  const diagnostics: Diagnostic[] = [];
  const enc = encodingProblem(text);
  if (enc)
    return {
      docs: [],
      diagnostics: [
        {
          file,
          line: enc.line,
          column: 1,
          path: '',
          code: 'file-encoding',
          severity: 'error',
          message: enc.message,
          hint: enc.hint,
        },
      ],
    };
  const docs: SourceDoc[] = [];
  const list = parseAllDocuments(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  list.forEach((doc, index) => {
    // Later syntax errors of a document are almost always consequences of its first one.
    const first = doc.errors[0]?.pos[0];
    for (const err of doc.errors.filter((e) => e.pos[0] === first)) {
      diagnostics.push(yamlDiagnostic(file, lc, err.pos[0], err.code, err.message));
    }
    if (doc.errors.length > 0 || doc.contents === null) return;
    // A tag the core schema does not know (!include, !!js/function, !Ref) would be read as
    // its plain value, doing silently something other than what its author meant.
    const tags = doc.warnings.filter((w) => w.code === 'TAG_RESOLVE_FAILED');
    for (const w of tags) {
      const tag = /Unresolved tag: (\S+)/.exec(w.message)?.[1] ?? 'this tag';
      diagnostics.push({
        file,
        ...positionOf(lc, w.pos[0]),
        path: '',
        code: 'yaml-unknown-tag',
        severity: 'error',
        message: `YAML tag ${tag.replace(/^tag:yaml\.org,2002:/, '!!')} is not supported: declarations are plain YAML`,
        hint: 'remove the tag; to share settings, use a YAML anchor and alias in the same file',
      });
    }
    if (tags.length > 0) return;
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (e) {
      diagnostics.push(yamlDiagnostic(file, lc, 0, 'yaml-alias', (e as Error).message));
      return;
    }
    docs.push({ file, index, value, locate: locator(doc, lc) });
  });
  return { docs, diagnostics };
}

const YAML_HINTS: Array<[RegExp, string]> = [
  [/unique/i, 'each key may appear once per mapping; remove or rename one of them'],
  [/tab/i, 'YAML does not allow tabs for indentation; use spaces'],
  [/closing "?quote|closing quote/i, 'a closing quote is missing'],
  [
    /end with a [\]}]/i,
    'a closing bracket is missing, or the list continues on a line indented too little',
  ],
  [/indent/i, 'check the indentation: nested fields are indented more than their parent'],
  [/implicit (map )?key/i, 'a key is probably missing its ":" or a value is indented wrongly'],
];

function yamlDiagnostic(
  file: string,
  lc: LineCounter,
  offset: number,
  code: string,
  message: string,
): Diagnostic {
  const pos = positionOf(lc, offset);
  const firstLine = message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
  const hint = YAML_HINTS.find(([re]) => re.test(message))?.[1];
  return {
    file,
    ...pos,
    path: '',
    code: `yaml-${code.toLowerCase().replace(/_/g, '-')}`,
    severity: 'error',
    message: `YAML syntax error: ${firstLine}`,
    ...(hint ? { hint } : {}),
  };
}

export function diagnosticAt(
  doc: SourceDoc,
  path: FieldPath,
  code: string,
  message: string,
  opts: { key?: boolean; hint?: string | undefined; severity?: 'error' | 'warning' } = {},
): Diagnostic {
  const pos = doc.locate(path, opts.key);
  return {
    file: doc.file,
    ...pos,
    path: formatPath(path),
    code,
    severity: opts.severity ?? 'error',
    message,
    ...(opts.hint ? { hint: opts.hint } : {}),
  };
}
