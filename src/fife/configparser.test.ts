import { describe, expect, it } from 'vitest';
import { ConfigError, ConfigParser } from './configparser.js';

function parse(text: string): ConfigParser {
  const c = new ConfigParser();
  c.read(text, 'test.cfg');
  return c;
}

describe('ConfigParser, as Python configparser', () => {
  it('keeps key case, accepts = and : and strips blanks', () => {
    const c = parse(
      '[s]\nKey = a\nother: b = c\nspaced   =   v  \n  indented = continues spaced\n',
    );
    expect(c.items('s', { raw: true })).toEqual([
      ['Key', 'a'],
      ['other', 'b = c'],
      ['spaced', 'v\nindented = continues spaced'],
    ]);
  });

  it('joins indented continuation lines and keeps inner blank lines', () => {
    const c = parse('[s]\nv = one\n  two\n\n  three\nw = x\n');
    expect(c.get('s', 'v')).toBe('one\ntwo\n\nthree');
  });

  it('treats only whole-line # and ; as comments', () => {
    const c = parse('[s]\n# a comment\n  ; indented comment\nv = a # not a comment\n');
    expect(c.get('s', 'v')).toBe('a # not a comment');
  });

  it('interpolates from vars, then the section, then DEFAULT, with %% for %', () => {
    const c = parse('[DEFAULT]\nd = dflt\n[s]\na = %(d)s/%(b)s\nb = sect\np = 100%%\n');
    expect(c.get('s', 'a')).toBe('dflt/sect');
    expect(c.get('s', 'a', { vars: { b: 'var' } })).toBe('dflt/var');
    expect(c.get('s', 'p')).toBe('100%');
    expect(c.items('s').map(([k]) => k)).toEqual(['d', 'a', 'b', 'p']);
  });

  it('reports reference loops, missing names and stray %', () => {
    const c = parse('[s]\na = %(b)s\nb = %(a)s\nm = %(nope)s\nx = 5% off\n');
    expect(() => c.get('s', 'a')).toThrow(/nest more than 10 deep/);
    expect(() => c.get('s', 'm')).toThrow(/refers to "nope"/);
    expect(() => c.get('s', 'x')).toThrow(/'%' must be followed by/);
    expect(() => c.set('s', 'y', '50%')).toThrow(ConfigError);
  });

  it('refuses duplicates within one file but lets a later file override', () => {
    expect(() => parse('[s]\na = 1\na = 2\n')).toThrow(/appears twice/);
    expect(() => parse('[s]\n[s]\n')).toThrow(/section \[s\] appears twice/);
    const c = parse('[s]\na = 1\nb = 2\n');
    c.read('[s]\na = 3\n', 'second.cfg');
    expect(c.items('s', { raw: true })).toEqual([
      ['a', '3'],
      ['b', '2'],
    ]);
  });

  it('names the line of text outside any section', () => {
    expect(() => parse('a = 1\n[s]\n')).toThrow(/line 1: text before the first \[section\] header/);
  });
});
