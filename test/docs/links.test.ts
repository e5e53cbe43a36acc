import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, anchors, withoutCode } from './markdown.js';

/**
 * Every relative link and every #anchor in README.md and docs/*.md resolves: the file (or folder)
 * exists, and an anchor matches a heading of the target page as GitHub spells it. Links outside
 * the repository (https:, mailto:) are not followed. Code blocks and code spans hold no links.
 */

/** docPages are README.md and every Markdown page under docs/, as paths relative to the root. */
function docPages(root: string): string[] {
  const docs = join(root, 'docs');
  const pages = existsSync(docs) ? readdirSync(docs).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`) : [];
  return ['README.md', ...pages.sort()];
}

/** linkTargets are the targets of the page's inline links and images, and of its reference definitions. */
function linkTargets(markdown: string): string[] {
  const text = withoutCode(markdown);
  const inline = [...text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((match) => match[1] ?? '');
  const references = [...text.matchAll(/^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+"[^"]*")?\s*$/gm)].map((match) => match[1] ?? '');
  return [...inline, ...references];
}

/** brokenLinks checks every relative link of the pages (paths relative to root) and says which do not resolve, and why. */
function brokenLinks(root: string, pages: readonly string[]): string[] {
  const broken: string[] = [];
  const anchorsOf = new Map<string, Set<string>>();
  const anchorsIn = (file: string): Set<string> => {
    let found = anchorsOf.get(file);
    if (found === undefined) {
      found = anchors(readFileSync(file, 'utf8'));
      anchorsOf.set(file, found);
    }
    return found;
  };
  for (const page of pages) {
    const file = join(root, page);
    for (const target of linkTargets(readFileSync(file, 'utf8'))) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto: ...: not ours to check
      const hash = target.indexOf('#');
      const path = decodeURI(hash < 0 ? target : target.slice(0, hash));
      const anchor = hash < 0 ? undefined : decodeURIComponent(target.slice(hash + 1));
      const resolved = path === '' ? file : path.startsWith('/') ? join(root, path) : resolve(dirname(file), path);
      const where = `${page}: (${target})`;
      if (relative(root, resolved).startsWith('..')) {
        broken.push(`${where}: points outside the repository`);
        continue;
      }
      if (!existsSync(resolved)) {
        broken.push(`${where}: no such file ${relative(root, resolved)}`);
        continue;
      }
      if (anchor === undefined) continue;
      if (statSync(resolved).isDirectory() || !resolved.endsWith('.md')) {
        broken.push(`${where}: an anchor into ${relative(root, resolved)}, which is not a Markdown page`);
      } else if (!anchorsIn(resolved).has(anchor)) {
        broken.push(`${where}: no heading with the anchor #${anchor} in ${relative(root, resolved)}`);
      }
    }
  }
  return broken;
}

describe('links in README.md and docs/', () => {
  it('covers the README and the docs pages', () => {
    const pages = docPages(ROOT);
    expect(pages).toEqual(expect.arrayContaining(['README.md', 'docs/install.md', 'docs/rollout.md', 'docs/rules.md', 'docs/commands.md', 'docs/cluster-mode.md', 'docs/configuration.md', 'docs/benchmarks.md', 'docs/architecture.md', 'docs/report.md', 'docs/errors.md']));
    expect(linkTargets(readFileSync(join(ROOT, 'README.md'), 'utf8')).length).toBeGreaterThan(5);
  });

  it('every relative link and anchor resolves', () => {
    expect(brokenLinks(ROOT, docPages(ROOT))).toEqual([]);
  });

  it('the README links every page of docs/', () => {
    const linked = new Set(linkTargets(readFileSync(join(ROOT, 'README.md'), 'utf8')).map((target) => target.replace(/#.*$/, '')));
    expect(docPages(ROOT).filter((page) => page !== 'README.md' && !linked.has(page))).toEqual([]);
  });
});

describe('the link checker', () => {
  /** sample writes a small repository of pages and returns its root. */
  function sample(files: Record<string, string>): string {
    const root = mkdtempSync(join(tmpdir(), 'netfence-links-'));
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    }
    return root;
  }

  const PAGE = [
    '# A page',
    '',
    '## `netfence check` in a pipeline',
    '',
    '## Values: the ones that matter',
    '',
    '## Twice',
    '',
    '## Twice',
    '',
    '```sh',
    '# not a heading',
    '```',
    '',
  ].join('\n');

  it('accepts links that resolve: files, folders, images, anchors as GitHub spells them, repeated headings, the page itself', () => {
    const root = sample({
      'README.md': '[a](docs/a.md) [b](docs/a.md#netfence-check-in-a-pipeline) ![p](docs/p.png) [d](docs/) [t](docs/a.md#twice-1) [s](#top) [w](https://example.com/x#y)\n\n# Top\n',
      'docs/a.md': `${PAGE}[v](#values-the-ones-that-matter) [r](../README.md#top)\n`,
      'docs/p.png': '',
    });
    expect(brokenLinks(root, ['README.md', 'docs/a.md'])).toEqual([]);
  });

  it('reports a missing file, a missing anchor, a heading inside a code block, an anchor into a non-page and a path out of the repository', () => {
    const root = sample({
      'README.md': '[gone](docs/gone.md) [anchor](docs/a.md#no-such-heading) [code](docs/a.md#not-a-heading) [png](docs/p.png#x) [out](../elsewhere.md)\n',
      'docs/a.md': PAGE,
      'docs/p.png': '',
    });
    expect(brokenLinks(root, ['README.md'])).toEqual([
      'README.md: (docs/gone.md): no such file docs/gone.md',
      'README.md: (docs/a.md#no-such-heading): no heading with the anchor #no-such-heading in docs/a.md',
      'README.md: (docs/a.md#not-a-heading): no heading with the anchor #not-a-heading in docs/a.md',
      'README.md: (docs/p.png#x): an anchor into docs/p.png, which is not a Markdown page',
      'README.md: (../elsewhere.md): points outside the repository',
    ]);
  });

  it('does not read links inside code', () => {
    const root = sample({ 'README.md': '`[x](gone.md)`\n\n```\n[y](gone.md)\n```\n' });
    expect(brokenLinks(root, ['README.md'])).toEqual([]);
  });
});
