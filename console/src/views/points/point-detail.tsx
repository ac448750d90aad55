/**
 * One point: its id, its vector(s) as small plots, its payload as editable JSON (saved by
 * overwriting the payload), and delete. Editing and deleting need an admin key.
 */
import { useEffect, useState } from 'preact/hooks';
import type { Point, PointId } from '../../api/types.js';
import { parseJsonInput } from '../../state/format.js';
import { ErrorText } from '../common/error-text.js';
import { Thumbnail } from '../common/thumbnail.js';
import { VectorPlot } from '../common/vector-plot.js';
import { useCanWrite, useSession } from '../session-context.js';

function vectorsOf(point: Point): [string, number[]][] {
  const v = point.vector;
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) return [['vector', v]];
  return Object.entries(v).filter((entry): entry is [string, number[]] => Array.isArray(entry[1]));
}

export function PointDetail({
  collection,
  id,
  thumbnailField,
  onChanged,
  onClose,
}: {
  collection: string;
  id: PointId;
  thumbnailField?: string;
  onChanged: () => void;
  onClose: () => void;
}) {
  const { api } = useSession();
  const canWrite = useCanWrite();
  const [point, setPoint] = useState<Point | undefined>();
  const [text, setText] = useState('');
  const [error, setError] = useState<unknown>();
  const [saved, setSaved] = useState(false);

  useEffect(() => {
    setPoint(undefined);
    setError(undefined);
    api
      .pointsWithVectors(collection, [id])
      .then(([p]) => {
        setPoint(p);
        setText(JSON.stringify(p?.payload ?? {}, null, 2));
      })
      .catch(setError);
  }, [api, collection, id]);

  const save = async () => {
    setSaved(false);
    setError(undefined);
    try {
      const payload = parseJsonInput(text);
      if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
        throw new SyntaxError('the payload must be a JSON object');
      }
      await api.setPayload(collection, id, payload as Record<string, unknown>);
      setSaved(true);
      onChanged();
    } catch (e) {
      setError(e);
    }
  };

  const remove = async () => {
    if (!confirm(`Delete point ${id}?`)) return;
    try {
      await api.deletePoints(collection, [id]);
      onChanged();
      onClose();
    } catch (e) {
      setError(e);
    }
  };

  return (
    <aside
      class="card detail"
      aria-labelledby="point-title"
      data-testid="point-detail"
      onKeyDown={(e) => e.key === 'Escape' && onClose()}
    >
      <div class="page-head">
        <h2 id="point-title">Point {String(id)}</h2>
        <button type="button" class="secondary" onClick={onClose}>
          Close
        </button>
      </div>
      {thumbnailField !== undefined && <Thumbnail collection={collection} id={id} field={thumbnailField} />}
      {point === undefined && error === undefined && <p class="loading">Loading…</p>}
      {point !== undefined &&
        vectorsOf(point).map(([field, vector]) => (
          <div key={field}>
            <h3>
              {field} <span class="hint">({vector.length} dimensions)</span>
            </h3>
            <VectorPlot vector={vector} label={`${field}: ${vector.length} components`} />
          </div>
        ))}
      <label for="payload-edit">Payload</label>
      <textarea
        id="payload-edit"
        rows={8}
        spellcheck={false}
        value={text}
        readOnly={!canWrite}
        onInput={(e) => {
          setText(e.currentTarget.value);
          setSaved(false);
        }}
      />
      <ErrorText error={error} />
      {saved && (
        <p class="ok" role="status" data-testid="payload-saved">
          Saved.
        </p>
      )}
      <div class="buttons">
        <button
          type="button"
          disabled={!canWrite || point === undefined}
          onClick={save}
          data-testid="payload-save"
        >
          Save payload
        </button>
        <button type="button" class="danger" disabled={!canWrite || point === undefined} onClick={remove}>
          Delete point
        </button>
      </div>
    </aside>
  );
}
