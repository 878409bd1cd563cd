/**
 * Python's configparser.ConfigParser as fife_launch uses it: '=' and ':' delimiters,
 * full-line '#'/';' comments, indented continuation lines, strict duplicate checks per
 * read, a DEFAULT section, case-sensitive keys (optionxform = str) and BasicInterpolation.
 * Insertion order matters: fife_launch renders options in dictionary order.
 */

export class ConfigError extends Error {
  readonly code: string;
  readonly file: string | undefined;
  readonly line: number | undefined;
  constructor(code: string, message: string, where: { file?: string; line?: number } = {}) {
    super(message);
    this.name = 'ConfigError';
    this.code = code;
    this.file = where.file;
    this.line = where.line;
  }
}

const DEFAULT_SECTION = 'DEFAULT';
const MAX_INTERPOLATION_DEPTH = 10;
const KEYCRE = /%\(([^)]+)\)s/y;
const KEYCRE_GLOBAL = /%\(([^)]+)\)s/g;
const SECTCRE = /^\[(.+)\]/;
const OPTCRE = /^(.*?)\s*([=:])\s*(.*)$/;

type Section = Map<string, string>;
export type Vars = ReadonlyMap<string, string> | Readonly<Record<string, string>>;

/** Where each option was last written from, for diagnostics. */
export interface Origin {
  file: string;
  line: number;
}

export class ConfigParser {
  private readonly defaults: Section = new Map();
  private readonly sectionMap = new Map<string, Section>();
  private readonly origins = new Map<string, Origin>();

  /** Reads one file's text, merging into what was read before (later reads win). */
  read(text: string, file: string): void {
    const added = new Set<string>();
    const errors: string[] = [];
    let cursect: Map<string, string[] | string> | undefined;
    let sectname = '';
    let optname: string | undefined;
    let indentLevel = 0;
    const pending: Array<[Map<string, string[] | string>, string]> = [];
    const lines = text.split(/(?<=\n)/);
    lines.forEach((rawLine, i) => {
      const lineno = i + 1;
      const line = rawLine;
      const isComment = /^[#;]/.test(line.trim());
      const value = isComment ? '' : line.trim();
      if (!value) {
        if (!isComment && cursect && optname !== undefined) {
          const cur = cursect.get(optname);
          if (Array.isArray(cur)) cur.push('');
        }
        return;
      }
      const curIndent = line.search(/\S/);
      if (cursect && optname !== undefined && curIndent > indentLevel) {
        const cur = cursect.get(optname);
        if (Array.isArray(cur)) cur.push(value);
        return;
      }
      indentLevel = curIndent;
      const sm = SECTCRE.exec(value);
      if (sm) {
        sectname = sm[1]!;
        if (this.sectionMap.has(sectname)) {
          if (added.has(`[${sectname}]`)) {
            throw new ConfigError(
              'duplicate-section',
              `section [${sectname}] appears twice (line ${lineno})`,
              { file, line: lineno },
            );
          }
          cursect = this.sectionMap.get(sectname) as Map<string, string[] | string>;
          added.add(`[${sectname}]`);
        } else if (sectname === DEFAULT_SECTION) {
          cursect = this.defaults as Map<string, string[] | string>;
        } else {
          const s: Section = new Map();
          this.sectionMap.set(sectname, s);
          cursect = s as Map<string, string[] | string>;
          added.add(`[${sectname}]`);
        }
        optname = undefined;
        return;
      }
      if (!cursect) {
        throw new ConfigError(
          'missing-section-header',
          `line ${lineno}: text before the first [section] header: ${JSON.stringify(value)}`,
          { file, line: lineno },
        );
      }
      const om = OPTCRE.exec(value);
      if (!om || !om[1]!.trimEnd()) {
        errors.push(`line ${lineno}: ${JSON.stringify(value)}`);
        return;
      }
      optname = om[1]!.trimEnd();
      const key = `[${sectname}]${optname}`;
      if (added.has(key)) {
        throw new ConfigError(
          'duplicate-option',
          `option "${optname}" appears twice in section [${sectname}] (line ${lineno})`,
          { file, line: lineno },
        );
      }
      added.add(key);
      const arr = [om[3]!.trim()];
      cursect.set(optname, arr);
      pending.push([cursect, optname]);
      this.origins.set(key, { file, line: lineno });
    });
    for (const [sect, name] of pending) {
      const v = sect.get(name);
      if (Array.isArray(v)) sect.set(name, v.join('\n').trimEnd());
    }
    if (errors.length > 0) {
      throw new ConfigError(
        'parse-error',
        `lines that are neither [section], key = value nor comments: ${errors.join('; ')}`,
        { file, line: Number(/line (\d+)/.exec(errors[0]!)?.[1]) },
      );
    }
  }

  sections(): string[] {
    return [...this.sectionMap.keys()];
  }

  hasSection(name: string): boolean {
    return this.sectionMap.has(name);
  }

  addSection(name: string): void {
    if (name === DEFAULT_SECTION)
      throw new ConfigError('bad-section', `invalid section name: ${name}`);
    if (this.sectionMap.has(name)) {
      throw new ConfigError('duplicate-section', `section [${name}] already exists`);
    }
    this.sectionMap.set(name, new Map());
  }

  hasOption(section: string, option: string): boolean {
    if (!section || section === DEFAULT_SECTION) return this.defaults.has(option);
    const s = this.sectionMap.get(section);
    return s !== undefined && (s.has(option) || this.defaults.has(option));
  }

  origin(section: string, option: string): Origin | undefined {
    return this.origins.get(`[${section}]${option}`);
  }

  private sectionOrThrow(section: string): Section {
    if (!section || section === DEFAULT_SECTION) return this.defaults;
    const s = this.sectionMap.get(section);
    if (!s) throw new ConfigError('no-section', `no section [${section}]`);
    return s;
  }

  /** Chain lookup as configparser does it: vars, then the section, then DEFAULT. */
  private unify(section: string, vars?: Vars): (key: string) => string | undefined {
    const sect =
      section === DEFAULT_SECTION ? new Map<string, string>() : this.sectionOrThrow(section);
    const v = toMap(vars);
    return (key) => v.get(key) ?? sect.get(key) ?? this.defaults.get(key);
  }

  get(section: string, option: string, opts: { raw?: boolean; vars?: Vars } = {}): string {
    const lookup = this.unify(section, opts.vars);
    const value = lookup(option);
    if (value === undefined) {
      throw new ConfigError('no-option', `no option "${option}" in section [${section}]`);
    }
    return opts.raw ? value : interpolate(option, section, value, lookup);
  }

  /** Like get(), but undefined instead of an error (fife_launch's cfg_get). */
  tryGet(
    section: string,
    option: string,
    opts: { raw?: boolean; vars?: Vars } = {},
  ): string | undefined {
    // A missing section or option is the common case: answer it without building an error.
    if (section && section !== DEFAULT_SECTION && !this.sectionMap.has(section)) return undefined;
    const lookup = this.unify(section, opts.vars);
    const value = lookup(option);
    if (value === undefined || opts.raw) return value;
    try {
      return interpolate(option, section, value, lookup);
    } catch (e) {
      if (e instanceof ConfigError) return undefined;
      throw e;
    }
  }

  /** DEFAULT keys first, then the section's, each interpolated unless raw. */
  items(section: string, opts: { raw?: boolean; vars?: Vars } = {}): Array<[string, string]> {
    const d = new Map(this.defaults);
    if (section !== DEFAULT_SECTION) for (const [k, v] of this.sectionOrThrow(section)) d.set(k, v);
    const keys = [...d.keys()];
    for (const [k, v] of toMap(opts.vars)) d.set(k, v);
    const lookup = (k: string) => d.get(k);
    return keys.map((k) => [k, opts.raw ? d.get(k)! : interpolate(k, section, d.get(k)!, lookup)]);
  }

  set(section: string, option: string, value: string): void {
    if (value) checkInterpolationSyntax(value);
    this.sectionOrThrow(section).set(option, value);
  }

  removeOption(section: string, option: string): boolean {
    return this.sectionOrThrow(section).delete(option);
  }
}

function toMap(vars?: Vars): ReadonlyMap<string, string> {
  if (!vars) return new Map();
  return vars instanceof Map ? vars : new Map(Object.entries(vars));
}

function checkInterpolationSyntax(value: string): void {
  const tmp = value.replace(/%%/g, '').replace(KEYCRE_GLOBAL, '');
  const at = tmp.indexOf('%');
  if (at >= 0) {
    throw new ConfigError(
      'interpolation-syntax',
      `invalid interpolation syntax in ${JSON.stringify(value)}: '%' must be followed by '%' or '(name)s'`,
    );
  }
}

function interpolate(
  option: string,
  section: string,
  value: string,
  lookup: (k: string) => string | undefined,
): string {
  const out: string[] = [];
  interpolateSome(option, section, out, value, lookup, 1);
  return out.join('');
}

function interpolateSome(
  option: string,
  section: string,
  out: string[],
  rest: string,
  lookup: (k: string) => string | undefined,
  depth: number,
): void {
  if (depth > MAX_INTERPOLATION_DEPTH) {
    throw new ConfigError(
      'interpolation-depth',
      `[${section}] ${option}: %(...)s references nest more than ${MAX_INTERPOLATION_DEPTH} deep (a reference loop?)`,
    );
  }
  while (rest) {
    const p = rest.indexOf('%');
    if (p < 0) {
      out.push(rest);
      return;
    }
    if (p > 0) {
      out.push(rest.slice(0, p));
      rest = rest.slice(p);
    }
    const c = rest.slice(1, 2);
    if (c === '%') {
      out.push('%');
      rest = rest.slice(2);
    } else if (c === '(') {
      KEYCRE.lastIndex = 0;
      const m = KEYCRE.exec(rest);
      if (!m) {
        throw new ConfigError(
          'interpolation-syntax',
          `[${section}] ${option}: bad interpolation variable reference ${JSON.stringify(rest)}`,
        );
      }
      const name = m[1]!;
      rest = rest.slice(m[0].length);
      const v = lookup(name);
      if (v === undefined) {
        throw new ConfigError(
          'interpolation-missing',
          `[${section}] ${option}: %(${name})s refers to "${name}", which the config does not define`,
        );
      }
      if (v.includes('%')) interpolateSome(option, section, out, v, lookup, depth + 1);
      else out.push(v);
    } else {
      throw new ConfigError(
        'interpolation-syntax',
        `[${section}] ${option}: '%' must be followed by '%' or '(name)s', found ${JSON.stringify(rest)}`,
      );
    }
  }
}
