/**
 * The sections of `docs/benchmarks.md`: each benchmark's Markdown sits between
 * `<!-- section: NAME -->` and `<!-- /section: NAME -->` lines, so that a run of some
 * benchmarks can replace their sections and keep everyone else's.
 */

/** The sections of a document, by name, in document order. Text outside sections is ignored. */
export function readSections(text: string): Map<string, string> {
  const sections = new Map<string, string>();
  const pattern = /^<!-- section: ([\w-]+) -->\n([\s\S]*?)\n?<!-- \/section: \1 -->$/gm;
  for (const match of text.matchAll(pattern)) sections.set(match[1], match[2]);
  return sections;
}

/**
 * `header` followed by every section: first those named in `order` that exist, in that
 * order, then any others in their map order (sections of benchmarks no longer known are kept).
 */
export function renderDocument(
  header: string,
  sections: ReadonlyMap<string, string>,
  order: readonly string[],
): string {
  const names = [
    ...order.filter((name) => sections.has(name)),
    ...[...sections.keys()].filter((name) => !order.includes(name)),
  ];
  const parts = [header.trimEnd(), ''];
  for (const name of names) {
    parts.push(`<!-- section: ${name} -->`, sections.get(name)!.trimEnd(), `<!-- /section: ${name} -->`, '');
  }
  return parts.join('\n');
}

/** The text before the first section: the document's header. */
export function headerOf(text: string): string {
  const first = text.search(/^<!-- section: [\w-]+ -->$/m);
  return first < 0 ? text : text.slice(0, first);
}

/** `text` with its sections replaced by `sections` (in their map order), its header kept. */
export function writeSections(text: string, sections: ReadonlyMap<string, string>): string {
  return renderDocument(headerOf(text), sections, []);
}
