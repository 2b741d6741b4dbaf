/**
 * docs/benchmarks.md, the results file of every benchmark: `writeSection` puts a benchmark's section (a
 * markdown block starting with its `## ` heading) in place of the section with the same heading, or appends it.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT_DIR } from '../../server/config';

export const BENCHMARKS_FILE = path.join(ROOT_DIR, 'docs/benchmarks.md');

/** Replaces (or appends) the section whose first line equals the first line of `md`; returns the file written. */
export function writeSection(md: string, file = BENCHMARKS_FILE): string {
  const heading = md.trimStart().split('\n', 1)[0]!;
  if (!heading.startsWith('## ')) throw new Error(`a benchmark section starts with its "## " heading, not "${heading}"`);
  let text = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n\n';
  const start = text.startsWith(`${heading}\n`) ? 0 : text.indexOf(`\n${heading}\n`) + 1;
  if (start > 0 || text.startsWith(`${heading}\n`)) {
    const next = text.indexOf('\n## ', start + heading.length);
    text = text.slice(0, start) + md.trim() + '\n' + (next >= 0 ? text.slice(next) : '');
  } else text = `${text.trimEnd()}\n\n${md.trim()}\n`;
  writeFileSync(file, text);
  return file;
}
