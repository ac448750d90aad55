/**
 * The filter editor: Qdrant's filter language as JSON. When the server refuses a filter, its
 * error `path` (`filter.must[0].match.valeu`) is located in the text: the spot is selected
 * in the editor and shown marked below it, with its line and column.
 */
import { useEffect, useRef } from 'preact/hooks';
import { ApiError } from '../../api/client.js';
import { lineColumn, locate, pathSegments } from '../../state/json-locate.js';
import { errorMessage } from './error-text.js';

/** Where an error points in the filter text (server paths start at `filter`). */
function errorRange(text: string, error: unknown) {
  if (error instanceof SyntaxError) {
    const at = /position (\d+)/.exec(error.message);
    if (at === null) return undefined;
    const start = Number(at[1]);
    return { start, end: Math.min(text.length, start + 1) };
  }
  if (!(error instanceof ApiError) || error.path === undefined) return undefined;
  const segments = pathSegments(error.path);
  if (segments[0] !== 'filter') return undefined;
  return locate(text, segments.slice(1));
}

export function FilterEditor({
  id,
  text,
  onChange,
  onApply,
  error,
}: {
  id: string;
  text: string;
  onChange: (text: string) => void;
  onApply?: () => void;
  /** The last error of a request with this filter (a SyntaxError for text that is not JSON). */
  error: unknown;
}) {
  const area = useRef<HTMLTextAreaElement>(null);
  const range = error === undefined ? undefined : errorRange(text, error);

  useEffect(() => {
    if (range !== undefined && area.current !== null) {
      area.current.focus();
      area.current.setSelectionRange(range.start, range.end);
    }
  }, [error]);

  return (
    <div class="filter-editor">
      <label for={id}>Filter (JSON)</label>
      <textarea
        id={id}
        ref={area}
        rows={4}
        spellcheck={false}
        value={text}
        placeholder='{ "must": [{ "key": "label", "match": { "value": "cat" } }] }'
        onInput={(e) => onChange(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (onApply !== undefined && e.key === 'Enter' && (e.ctrlKey || e.metaKey)) onApply();
        }}
        aria-invalid={error !== undefined}
        aria-describedby={error !== undefined ? `${id}-error` : undefined}
        data-testid="filter-input"
      />
      {error !== undefined && (
        <div class="filter-error" id={`${id}-error`} role="alert" data-testid="filter-error">
          <p class="error">
            {errorMessage(error)}
            {range !== undefined &&
              (() => {
                const { line, column } = lineColumn(text, range.start);
                return ` — line ${line}, column ${column}`;
              })()}
          </p>
          {range !== undefined && (
            <pre class="filter-echo">
              {text.slice(0, range.start)}
              <mark data-testid="filter-error-mark">{text.slice(range.start, range.end)}</mark>
              {text.slice(range.end)}
            </pre>
          )}
        </div>
      )}
    </div>
  );
}
