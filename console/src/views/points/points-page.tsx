/**
 * A collection's points: a paged table (scroll, 20 a page, with a column per payload key of
 * the page), a filter editor, and a point's detail beside the table.
 */
import { useMemo, useState } from 'preact/hooks';
import { ApiError } from '../../api/client.js';
import type { CollectionInfo, Point, PointId } from '../../api/types.js';
import { fieldsOf } from '../../state/collection-fields.js';
import { cellText, formatCount, parseJsonInput } from '../../state/format.js';
import { usePoll } from '../../state/poll.js';
import { ErrorText } from '../common/error-text.js';
import { FilterEditor } from '../common/filter-editor.js';
import { Thumbnail } from '../common/thumbnail.js';
import { useSession } from '../session-context.js';
import { PointDetail } from './point-detail.js';

const PAGE = 20;
const MAX_COLUMNS = 8;

interface Page {
  points: Point[];
  next: PointId | null;
  total: number;
  /** Whether the page was read with a filter. */
  filtered: boolean;
}

export function PointsPage({ collection }: { collection: string }) {
  const { api } = useSession();
  const [filterText, setFilterText] = useState('');
  /** The filter of the table (applied), as parsed when applied. */
  const [filter, setFilter] = useState<unknown>();
  const [filterError, setFilterError] = useState<unknown>();
  /** Offsets of the pages shown so far (undefined: the first), to go back. */
  const [offsets, setOffsets] = useState<(PointId | undefined)[]>([undefined]);
  const [selected, setSelected] = useState<PointId | undefined>();
  const [version, setVersion] = useState(0);
  const info = usePoll<CollectionInfo>(() => api.describe(collection), 0, [api, collection]);
  const offset = offsets[offsets.length - 1];

  const page = usePoll<Page>(
    async () => {
      try {
        const [scrolled, counted] = await Promise.all([
          api.scroll(collection, { limit: PAGE, offset, filter }),
          api.count(collection, filter),
        ]);
        setFilterError(undefined);
        return {
          points: scrolled.points,
          next: scrolled.next_page_offset,
          total: counted.count,
          filtered: filter !== undefined,
        };
      } catch (error) {
        // The server names the filter's wrong part by a path under `filter`.
        if (error instanceof ApiError && error.path?.startsWith('filter') === true) setFilterError(error);
        throw error;
      }
    },
    0,
    [api, collection, offset, filter, version],
  );

  const apply = () => {
    try {
      setFilter(parseJsonInput(filterText));
      setOffsets([undefined]);
      setFilterError(undefined);
    } catch (error) {
      setFilterError(error);
    }
  };

  const columns = useMemo(() => {
    const keys = new Set<string>();
    for (const p of page.data?.points ?? []) for (const k of Object.keys(p.payload ?? {})) keys.add(k);
    return [...keys].slice(0, MAX_COLUMNS);
  }, [page.data]);
  const thumbnailField = info.data === undefined ? undefined : fieldsOf(info.data).thumbnailField;

  return (
    <section aria-labelledby="points-title" class="with-detail">
      <div class="main-column">
        <div class="page-head">
          <h1 id="points-title">Points</h1>
          {page.data !== undefined && (
            <span class="hint" data-testid="points-total">
              {formatCount(page.data.total)} {page.data.filtered ? 'match' : 'points'}
            </span>
          )}
        </div>
        <form
          class="filter-form"
          onSubmit={(e) => {
            e.preventDefault();
            apply();
          }}
        >
          <FilterEditor
            id="points-filter"
            text={filterText}
            onChange={setFilterText}
            onApply={apply}
            error={filterError}
          />
          <div class="buttons">
            <button type="submit" data-testid="filter-apply">
              Apply filter
            </button>
            <button
              type="button"
              class="secondary"
              onClick={() => {
                setFilterText('');
                setFilter(undefined);
                setFilterError(undefined);
                setOffsets([undefined]);
              }}
            >
              Clear
            </button>
          </div>
        </form>
        {filterError === undefined && <ErrorText error={page.error} />}
        {page.data !== undefined && (
          <>
            <div class="table-wrap">
              <table data-testid="points-table">
                <thead>
                  <tr>
                    <th scope="col">id</th>
                    {thumbnailField !== undefined && (
                      <th scope="col">
                        <span class="visually-hidden">thumbnail</span>
                      </th>
                    )}
                    {columns.map((c) => (
                      <th scope="col" key={c}>
                        {c}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {page.data.points.map((p) => (
                    <tr key={String(p.id)} class={selected === p.id ? 'selected' : ''}>
                      <th scope="row">
                        <button
                          type="button"
                          class="link"
                          onClick={() => setSelected(p.id)}
                          data-testid="point-open"
                        >
                          {String(p.id)}
                        </button>
                      </th>
                      {thumbnailField !== undefined && (
                        <td class="thumb-cell">
                          <Thumbnail collection={collection} id={p.id} field={thumbnailField} />
                        </td>
                      )}
                      {columns.map((c) => (
                        <td key={c}>{cellText(p.payload?.[c])}</td>
                      ))}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <div class="buttons pager">
              <button
                type="button"
                class="secondary"
                disabled={offsets.length === 1}
                onClick={() => setOffsets(offsets.slice(0, -1))}
              >
                Previous
              </button>
              <span class="hint">page {offsets.length}</span>
              <button
                type="button"
                class="secondary"
                disabled={page.data.next === null}
                onClick={() => setOffsets([...offsets, page.data!.next ?? undefined])}
              >
                Next
              </button>
            </div>
          </>
        )}
      </div>
      {selected !== undefined && (
        <PointDetail
          collection={collection}
          id={selected}
          thumbnailField={thumbnailField}
          onChanged={() => setVersion((v) => v + 1)}
          onClose={() => setSelected(undefined)}
        />
      )}
    </section>
  );
}
