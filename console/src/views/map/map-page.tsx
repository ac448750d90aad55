/**
 * The map: a 2-D projection (UMAP, or PCA) of a sample of up to 5,000 points, computed in a
 * Web Worker (workers/map-worker.ts) so the page stays responsive; PCA shows at once and
 * UMAP replaces it when done. Points are coloured by a chosen payload key; picking a point
 * asks the server for its nearest neighbours (`/points/query` by id) and highlights them.
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { CollectionInfo, PointId, ScoredPoint } from '../../api/types.js';
import { fieldsOf } from '../../state/collection-fields.js';
import { cellText, formatCount, formatScore } from '../../state/format.js';
import { usePoll } from '../../state/poll.js';
import { loadSample, type Sample } from '../../state/sample.js';
import type { ProjectAnswer, ProjectRequest } from '../../workers/map-worker.js';
import { ErrorText } from '../common/error-text.js';
import { Thumbnail } from '../common/thumbnail.js';
import { useSession } from '../session-context.js';
import { coloursFor, MapCanvas } from './map-canvas.js';

const MAX_SAMPLE = 5000;
const NEIGHBOURS = 10;

export function MapPage({ collection }: { collection: string }) {
  const { api } = useSession();
  const info = usePoll<CollectionInfo>(() => api.describe(collection), 0, [api, collection]);
  const fields = info.data === undefined ? undefined : fieldsOf(info.data);
  const [size, setSize] = useState(1000);
  const [method, setMethod] = useState<'umap' | 'pca'>('umap');
  const [field, setField] = useState<string | undefined>();
  const [colourKey, setColourKey] = useState('');
  const [sample, setSample] = useState<Sample | undefined>();
  const [coords, setCoords] = useState<Float32Array | undefined>();
  const [status, setStatus] = useState('');
  const [error, setError] = useState<unknown>();
  const [selected, setSelected] = useState<number | undefined>();
  const [neighbours, setNeighbours] = useState<ScoredPoint[]>([]);
  const worker = useRef<Worker | undefined>(undefined);
  const request = useRef(0);

  useEffect(() => () => worker.current?.terminate(), []);

  const draw = async () => {
    setError(undefined);
    setSelected(undefined);
    setNeighbours([]);
    setCoords(undefined);
    const using = field ?? fields?.vectorFields[0];
    try {
      setStatus('Loading points…');
      const loaded = await loadSample(api, collection, Math.min(MAX_SAMPLE, Math.max(1, size)), using, (n) =>
        setStatus(`Loading points… ${formatCount(n)}`),
      );
      setSample(loaded);
      if (loaded.points.length === 0) {
        setStatus('No points to draw.');
        return;
      }
      setStatus(`Projecting ${formatCount(loaded.points.length)} points…`);
      worker.current ??= new Worker(new URL(__MAP_WORKER__, document.baseURI));
      const id = ++request.current;
      worker.current.onmessage = (event: MessageEvent<ProjectAnswer>) => {
        const answer = event.data;
        if (answer.id !== request.current) return;
        if (answer.kind === 'progress') setStatus(`UMAP ${Math.round(answer.fraction * 100)}%…`);
        else if (answer.kind === 'error') setError(new Error(`projection failed: ${answer.message}`));
        else {
          setCoords(answer.coords);
          const of = `${formatCount(loaded.points.length)} of ${formatCount(loaded.total)} points`;
          setStatus(answer.final ? `${answer.method.toUpperCase()} of ${of}` : `PCA of ${of}; UMAP running…`);
        }
      };
      const message: ProjectRequest = {
        id,
        data: loaded.data,
        n: loaded.points.length,
        dim: loaded.dim,
        method,
        seed: 42,
      };
      worker.current.postMessage(message, [loaded.data.buffer]);
    } catch (e) {
      setError(e);
      setStatus('');
    }
  };

  const pick = async (index: number) => {
    if (sample === undefined) return;
    setSelected(index);
    try {
      const using =
        fields !== undefined && fields.vectorFields.length > 0
          ? (field ?? fields.vectorFields[0])
          : undefined;
      setNeighbours(await api.similarTo(collection, sample.points[index].id, { limit: NEIGHBOURS, using }));
    } catch (e) {
      setError(e);
    }
  };

  const payloadKeys = useMemo(() => {
    const keys = new Set<string>();
    for (const p of sample?.points ?? []) for (const k of Object.keys(p.payload ?? {})) keys.add(k);
    return [...keys].sort();
  }, [sample]);
  const { colours, legend } = useMemo(
    () => coloursFor(sample?.points.map((p) => p.payload) ?? [], colourKey),
    [sample, colourKey],
  );
  const ids = useMemo(() => sample?.points.map((p) => p.id) ?? [], [sample]);
  const neighbourIds = useMemo(() => new Set<PointId>(neighbours.map((n) => n.id)), [neighbours]);
  const picked = selected === undefined ? undefined : sample?.points[selected];

  return (
    <section aria-labelledby="map-title" class="with-detail">
      <div class="main-column">
        <h1 id="map-title">Map</h1>
        <form
          class="card inline"
          onSubmit={(e) => {
            e.preventDefault();
            draw();
          }}
        >
          <label>
            Points
            <input
              type="number"
              min={1}
              max={MAX_SAMPLE}
              value={size}
              onInput={(e) => setSize(Number(e.currentTarget.value) || 1)}
              data-testid="map-size"
            />
          </label>
          <label>
            Projection
            <select
              value={method}
              onChange={(e) => setMethod(e.currentTarget.value as 'umap' | 'pca')}
              data-testid="map-method"
            >
              <option value="umap">UMAP</option>
              <option value="pca">PCA</option>
            </select>
          </label>
          {fields !== undefined && fields.vectorFields.length > 1 && (
            <label>
              Vector field
              <select
                value={field ?? fields.vectorFields[0]}
                onChange={(e) => setField(e.currentTarget.value)}
              >
                {fields.vectorFields.map((f) => (
                  <option key={f}>{f}</option>
                ))}
              </select>
            </label>
          )}
          <label>
            Colour by
            <select
              value={colourKey}
              onChange={(e) => setColourKey(e.currentTarget.value)}
              data-testid="map-colour"
            >
              <option value="">(none)</option>
              {payloadKeys.map((k) => (
                <option key={k}>{k}</option>
              ))}
            </select>
          </label>
          <button type="submit" data-testid="map-draw">
            Draw
          </button>
        </form>
        <p class="hint" role="status" data-testid="map-status">
          {status}
        </p>
        <ErrorText error={error ?? info.error} />
        {coords !== undefined && sample !== undefined && (
          <>
            <MapCanvas
              coords={coords}
              ids={ids}
              colours={colours}
              selected={selected}
              neighbours={neighbourIds}
              onPick={pick}
            />
            {legend.length > 0 && (
              <ul class="legend" aria-label={`Colours by ${colourKey}`}>
                {legend.map(([label, colour]) => (
                  <li key={label}>
                    <span class="swatch" style={{ background: colour }} />
                    {label}
                  </li>
                ))}
              </ul>
            )}
          </>
        )}
      </div>
      {picked !== undefined && (
        <aside class="card detail" aria-labelledby="map-point-title" data-testid="map-detail">
          <h2 id="map-point-title">Point {String(picked.id)}</h2>
          {fields?.thumbnailField !== undefined && (
            <Thumbnail collection={collection} id={picked.id} field={fields.thumbnailField} />
          )}
          <dl class="payload">
            {Object.entries(picked.payload ?? {}).map(([k, v]) => (
              <div key={k}>
                <dt>{k}</dt>
                <dd>{cellText(v, 80)}</dd>
              </div>
            ))}
          </dl>
          <h3>Nearest {NEIGHBOURS}</h3>
          <ol class="neighbours" data-testid="map-neighbours">
            {neighbours.map((n) => (
              <li key={String(n.id)}>
                {fields?.thumbnailField !== undefined && (
                  <Thumbnail collection={collection} id={n.id} field={fields.thumbnailField} />
                )}
                {String(n.id)} <span class="score">{formatScore(n.score)}</span>
              </li>
            ))}
          </ol>
        </aside>
      )}
    </section>
  );
}
