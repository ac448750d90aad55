/**
 * The collections list, refreshed every 2 s: points, dimension, metric, index, segments,
 * memory and disk, and the index build's progress (indexed / sealed segments, with the
 * segments being indexed now). Create, drop and snapshots open from here; an admin key is
 * needed for them (the controls are disabled for a read-only key).
 */
import { useState } from 'preact/hooks';
import type { CollectionInfo } from '../../api/types.js';
import { formatBytes, formatCount } from '../../state/format.js';
import { usePoll } from '../../state/poll.js';
import { routeHref } from '../../state/route.js';
import { ErrorText } from '../common/error-text.js';
import { useCanWrite, useSession } from '../session-context.js';
import { CreateCollectionForm } from './create-form.js';
import { DropDialog } from './drop-dialog.js';
import { SnapshotsPanel } from './snapshots-panel.js';

interface Row {
  name: string;
  info?: CollectionInfo;
  error?: string;
}

/** What the status colours mean (the server reports yellow while any segment's index builds). */
const STATUS_TITLES: Record<string, string> = {
  green: 'ready: every sealed segment is indexed',
  yellow: 'indexing: some sealed segments are being indexed (searched exactly meanwhile)',
};

type Panel = { kind: 'create' } | { kind: 'drop'; name: string } | { kind: 'snapshots'; name: string };

export function CollectionsPage() {
  const { api } = useSession();
  const canWrite = useCanWrite();
  const [panel, setPanel] = useState<Panel | undefined>();
  const list = usePoll<Row[]>(
    async () => {
      const summaries = await api.listCollections();
      return Promise.all(
        summaries.map(async ({ name, quiver }): Promise<Row> => {
          if (quiver.error !== undefined) return { name, error: quiver.error.message };
          try {
            return { name, info: await api.describe(name) };
          } catch (error) {
            return { name, error: (error as Error).message };
          }
        }),
      );
    },
    2000,
    [api],
  );
  const done = () => {
    setPanel(undefined);
    list.refresh();
  };

  return (
    <section aria-labelledby="collections-title">
      <div class="page-head">
        <h1 id="collections-title">Collections</h1>
        <button
          type="button"
          data-testid="create-open"
          disabled={!canWrite}
          title={canWrite ? undefined : 'needs an admin key'}
          onClick={() => setPanel({ kind: 'create' })}
        >
          New collection
        </button>
      </div>
      {panel?.kind === 'create' && (
        <CreateCollectionForm onDone={done} onCancel={() => setPanel(undefined)} />
      )}
      {panel?.kind === 'drop' && (
        <DropDialog name={panel.name} onDone={done} onCancel={() => setPanel(undefined)} />
      )}
      {panel?.kind === 'snapshots' && <SnapshotsPanel name={panel.name} onClose={done} />}
      <ErrorText error={list.error} />
      {list.data === undefined ? (
        <p class="loading">Loading…</p>
      ) : list.data.length === 0 ? (
        <p class="empty">No collections yet.</p>
      ) : (
        <div class="table-wrap">
          <table class="collections" data-testid="collections-table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col" class="num">
                  Points
                </th>
                <th scope="col">Vectors</th>
                <th scope="col">Index</th>
                <th scope="col">Segments</th>
                <th scope="col" class="num">
                  Memory
                </th>
                <th scope="col" class="num">
                  Disk
                </th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {list.data.map((row) => (
                <CollectionRow
                  key={row.name}
                  row={row}
                  canWrite={canWrite}
                  onDrop={() => setPanel({ kind: 'drop', name: row.name })}
                  onSnapshots={() => setPanel({ kind: 'snapshots', name: row.name })}
                />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/** "512 cosine" or, for named fields, "image: 1280 cosine (mobilenet-v2)" per field. */
function vectorsText(info: CollectionInfo): string {
  const q = info.quiver;
  if (q.vectors !== undefined && Object.keys(q.vectors).length > 0) {
    return Object.entries(q.vectors)
      .map(([field, v]) => `${field}: ${v.dimension} ${v.metric}${v.provider ? ` (${v.provider})` : ''}`)
      .join(', ');
  }
  return `${q.dimension ?? '?'} ${q.metric ?? ''}`;
}

function indexText(info: CollectionInfo): string {
  const index = info.quiver.index;
  if (index === undefined) return '—';
  if (typeof index.factory === 'string') return index.factory;
  if (index.type === 'hnsw') return `HNSW m=${index.m ?? '?'} ef=${index.ef ?? '?'}`;
  return String(index.type ?? '—');
}

function CollectionRow({
  row,
  canWrite,
  onDrop,
  onSnapshots,
}: {
  row: Row;
  canWrite: boolean;
  onDrop: () => void;
  onSnapshots: () => void;
}) {
  const info = row.info;
  const q = info?.quiver;
  const sealed = q?.sealed_segments ?? 0;
  const indexed = q?.indexed_segments ?? 0;
  const indexing = q?.indexing_segments ?? 0;
  return (
    <tr data-testid={`collection-${row.name}`}>
      <th scope="row">
        <a href={routeHref({ page: 'points', collection: row.name })}>{row.name}</a>
        {info !== undefined && (
          <span class={`status status-${info.status}`} title={STATUS_TITLES[info.status] ?? info.status}>
            {info.status}
          </span>
        )}
      </th>
      {info === undefined || q === undefined ? (
        <td colSpan={6} class="error">
          {row.error}
        </td>
      ) : (
        <>
          <td class="num">{formatCount(info.points_count)}</td>
          <td>{vectorsText(info)}</td>
          <td>{indexText(info)}</td>
          <td>
            {q.loading !== undefined && q.loading.state !== 'ready' && (
              <span class="progress-line" data-testid={`loading-${row.name}`}>
                <progress
                  max={q.loading.segments_total}
                  value={q.loading.segments_loaded}
                  aria-label={`loaded ${q.loading.segments_loaded} of ${q.loading.segments_total} segments`}
                />
                {q.loading.state === 'failed'
                  ? ' loading failed'
                  : ` loading ${q.loading.segments_loaded} of ${q.loading.segments_total}`}
              </span>
            )}
            <span title="sealed segments, and points in the growing segment">
              {sealed} sealed + {formatCount(q.growing_points)} growing
            </span>
            {sealed > 0 && (
              <span class="progress-line">
                <progress max={sealed} value={indexed} aria-label={`indexed ${indexed} of ${sealed}`} />
                {indexing > 0 ? ` indexing ${indexing}` : indexed === sealed ? ' indexed' : ''}
              </span>
            )}
          </td>
          <td class="num">{formatBytes(q.memory?.bytes)}</td>
          <td class="num">{formatBytes(q.disk?.bytes)}</td>
        </>
      )}
      <td class="actions">
        <a href={routeHref({ page: 'search', collection: row.name })}>Search</a>
        <a href={routeHref({ page: 'map', collection: row.name })}>Map</a>
        <button
          type="button"
          class="link"
          disabled={!canWrite}
          title={canWrite ? undefined : 'snapshots need an admin key'}
          onClick={onSnapshots}
          data-testid={`snapshots-${row.name}`}
        >
          Snapshots
        </button>
        <button
          type="button"
          class="danger link"
          data-testid={`drop-${row.name}`}
          disabled={!canWrite}
          title={canWrite ? undefined : 'needs an admin key'}
          onClick={onDrop}
        >
          Drop
        </button>
      </td>
    </tr>
  );
}
