// The .ini dialect POMS reads and writes: Python's configparser with interpolation off, as
// ini_to_campaign parses an upload. No npm ini parser keeps its rules (keys lowercased, ';' and
// '#' only as whole-line comments, indented continuation lines, '=' or ':'), nor line numbers.

export interface IniEntry {
  key: string;
  value: string;
  line: number;
}

export interface IniSection {
  name: string;
  line: number;
  entries: IniEntry[];
}

export interface IniProblem {
  line: number;
  message: string;
}

export interface IniDocument {
  sections: IniSection[];
  problems: IniProblem[];
}

/** Parses as configparser.read_string does; what it would refuse is a problem with its line. */
export function parseIni(text: string): IniDocument {
  const sections: IniSection[] = [];
  const problems: IniProblem[] = [];
  const seen = new Set<string>();
  let section: IniSection | undefined;
  let last: IniEntry | undefined;
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = i + 1;
    const trimmed = raw.trim();
    if (/^[#;]/.test(trimmed)) return;
    if (!trimmed) {
      // A blank line may belong to a multi-line value; configparser strips trailing ones.
      if (last) last.value += '\n';
      return;
    }
    if (last && /^\s/.test(raw)) {
      last.value = `${last.value.replace(/\n+$/, '')}\n${trimmed}`;
      return;
    }
    if (last) last.value = last.value.replace(/\n+$/, '');
    last = undefined;
    const header = /^\[([^\]]*)\]/.exec(trimmed);
    if (header) {
      const name = header[1]!;
      if (seen.has(name)) problems.push({ line, message: `section [${name}] appears twice` });
      seen.add(name);
      section = { name, line, entries: [] };
      sections.push(section);
      return;
    }
    const m = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(trimmed);
    if (!section) {
      problems.push({ line, message: 'a line before the first [section]' });
      return;
    }
    if (!m) {
      problems.push({ line, message: `"${trimmed.slice(0, 80)}" is not key = value` });
      return;
    }
    const key = m[1]!.toLowerCase();
    if (section.entries.some((e) => e.key === key))
      problems.push({ line, message: `key ${key} appears twice in [${section.name}]` });
    last = { key, value: m[2]!, line };
    section.entries.push(last);
  });
  if (last) (last as IniEntry).value = (last as IniEntry).value.replace(/\n+$/, '');
  return { sections, problems };
}
