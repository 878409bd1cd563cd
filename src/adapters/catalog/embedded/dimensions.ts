/**
 * The subset of SAM's dimension language the embedded catalog understands:
 *   defname: NAME | file_name like PATTERN | file_name NAME[,NAME…] | KEY [=|!=|<|<=|>|>=|like] VALUE[,VALUE…]
 *   isparentof: ( Q ) | ischildof: ( Q ) | snapshot_id N | snapshot_for_project_name P
 *   project_name P [and consumed_status S[,S…]] [and process_status S[,S…]]
 *   Q and Q | Q or Q | Q minus Q | ( Q )        ('and' binds tighter than 'or' and 'minus')
 *   Q with limit N | offset N | stride N
 *   availability physical | availability virtual   (has a location, or not)
 * Values are bare words or 'quoted'; '%' is the wildcard of like (and of consumed_status).
 */

export type Op = '=' | '!=' | '<' | '<=' | '>' | '>=' | 'like';

export type Dim =
  | { kind: 'defname'; name: string }
  | { kind: 'field'; key: string; op: Op; values: string[] }
  | { kind: 'isparentof' | 'ischildof'; query: Dim }
  | { kind: 'snapshot'; id: number }
  | { kind: 'snapshotForProject'; project: string }
  | { kind: 'project'; project: string; statuses?: string[]; processStatuses?: string[] }
  | { kind: 'and' | 'or' | 'minus'; left: Dim; right: Dim }
  | { kind: 'with'; query: Dim; limit?: number; offset?: number; stride?: number };

export class DimensionError extends Error {
  override name = 'DimensionError';
}

type Tok = { t: 'word' | 'str' | 'op' | '(' | ')' | ','; v: string; at: number };

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '(' || c === ')' || c === ',') {
      out.push({ t: c, v: c, at: i });
      i++;
    } else if (c === "'" || c === '"') {
      const end = src.indexOf(c, i + 1);
      if (end < 0) throw new DimensionError(`unclosed quote at ${i + 1} in: ${src}`);
      out.push({ t: 'str', v: src.slice(i + 1, end), at: i });
      i = end + 1;
    } else if (/[<>=!]/.test(c)) {
      const m = /^(<=|>=|!=|=|<|>)/.exec(src.slice(i))!;
      out.push({ t: 'op', v: m[1]!, at: i });
      i += m[1]!.length;
    } else {
      const m = /^[^\s(),'"<>=!]+/.exec(src.slice(i))!;
      out.push({ t: 'word', v: m[0], at: i });
      i += m[0].length;
    }
  }
  return out;
}

class Parser {
  private i = 0;
  constructor(
    private readonly toks: Tok[],
    private readonly src: string,
  ) {}

  private peek(): Tok | undefined {
    return this.toks[this.i];
  }
  private isWord(v: string): boolean {
    const t = this.peek();
    return t?.t === 'word' && t.v.toLowerCase() === v;
  }
  private fail(what: string): never {
    const t = this.peek();
    throw new DimensionError(
      `${what} ${t ? `at "${t.v}" (position ${t.at + 1})` : 'at the end'} in: ${this.src}`,
    );
  }
  private expect(t: Tok['t'], what: string): Tok {
    const tok = this.peek();
    if (tok?.t !== t) this.fail(`expected ${what}`);
    this.i++;
    return tok;
  }
  private value(): string {
    const t = this.peek();
    if (t?.t === 'word' || t?.t === 'str') {
      this.i++;
      return t.v;
    }
    return this.fail('expected a value');
  }
  private values(): string[] {
    const vs = [this.value()];
    while (this.peek()?.t === ',') {
      this.i++;
      vs.push(this.value());
    }
    return vs;
  }
  private int(): number {
    const v = this.value();
    if (!/^\d+$/.test(v)) this.fail(`expected a number, not "${v}"`);
    return Number(v);
  }

  parse(): Dim {
    const q = this.query();
    if (this.peek()) this.fail('unexpected text');
    return q;
  }

  private query(): Dim {
    let q = this.orExpr();
    if (this.isWord('with')) {
      this.i++;
      const w: Extract<Dim, { kind: 'with' }> = { kind: 'with', query: q };
      let any = false;
      for (;;) {
        const clause = (['limit', 'offset', 'stride'] as const).find((k) => this.isWord(k));
        if (!clause) break;
        this.i++;
        w[clause] = this.int();
        any = true;
      }
      if (!any) this.fail('expected limit, offset or stride after with');
      q = w;
    }
    return q;
  }

  private orExpr(): Dim {
    let left = this.andExpr();
    while (this.isWord('or') || this.isWord('minus')) {
      const kind = this.peek()!.v.toLowerCase() as 'or' | 'minus';
      this.i++;
      left = { kind, left, right: this.andExpr() };
    }
    return left;
  }

  private andExpr(): Dim {
    let left = this.term();
    while (this.isWord('and')) {
      this.i++;
      if (left.kind === 'project' && this.isWord('consumed_status')) {
        this.i++;
        left = { ...left, statuses: this.values() };
        continue;
      }
      if (left.kind === 'project' && this.isWord('process_status')) {
        this.i++;
        left = { ...left, processStatuses: this.values() };
        continue;
      }
      left = { kind: 'and', left, right: this.term() };
    }
    return left;
  }

  private term(): Dim {
    const t = this.peek();
    if (!t) return this.fail('expected a dimension');
    if (t.t === '(') {
      this.i++;
      const q = this.query();
      this.expect(')', '")"');
      return q;
    }
    if (t.t !== 'word') return this.fail('expected a dimension');
    const w = t.v.toLowerCase();
    const sub = (kind: 'isparentof' | 'ischildof'): Dim => {
      this.expect('(', '"(" after ' + kind + ':');
      const q = this.query();
      this.expect(')', '")"');
      return { kind, query: q };
    };
    if (['and', 'or', 'minus', 'with'].includes(w)) return this.fail('expected a dimension');
    this.i++;
    if (w === 'defname:') return { kind: 'defname', name: this.value() };
    if (w === 'isparentof:' || w === 'ischildof:') return sub(w.slice(0, -1) as 'isparentof');
    if (w === 'snapshot_id') return { kind: 'snapshot', id: this.int() };
    if (w === 'snapshot_for_project_name')
      return { kind: 'snapshotForProject', project: this.value() };
    if (w === 'project_name') return { kind: 'project', project: this.value() };
    const key = t.v;
    let op: Op = '=';
    if (this.isWord('like')) {
      this.i++;
      op = 'like';
    } else if (this.peek()?.t === 'op') {
      op = this.peek()!.v as Op;
      this.i++;
    }
    return { kind: 'field', key, op, values: this.values() };
  }
}

export function parseDimensions(src: string): Dim {
  const toks = tokenize(src);
  if (toks.length === 0) throw new DimensionError('empty dimension query');
  return new Parser(toks, src).parse();
}

/** SQL 'like', as SAM uses it: % is any run of characters, _ any one character. */
export function likeToRegExp(pattern: string): RegExp {
  const esc = pattern
    .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    .replace(/%/g, '.*')
    .replace(/_/g, '.');
  return new RegExp(`^${esc}$`, 's');
}
