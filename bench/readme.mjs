// Writes the table of bench/results/latest.json into the README's Performance section,
// between its two markers: the README's figures are the suite's, never typed by hand.
import { readFileSync, writeFileSync } from 'node:fs';
import { markdownTable } from './table.mjs';

export const START =
  '<!-- bench:start (written by node bench/readme.mjs from bench/results/latest.json) -->';
export const END = '<!-- bench:end -->';

export function withTable(readme, results) {
  const a = readme.indexOf(START);
  const b = readme.indexOf(END);
  if (a < 0 || b < a) throw new Error('README.md has no bench markers');
  return `${readme.slice(0, a + START.length)}\n${markdownTable(results)}\n${readme.slice(b)}`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const results = JSON.parse(readFileSync('bench/results/latest.json', 'utf8'));
  writeFileSync('README.md', withTable(readFileSync('README.md', 'utf8'), results));
}
