/**
 * The create-collection form: vector fields (size and distance, or an embedding provider,
 * with thumbnails for image providers), the index (default HNSW, Flat, or a factory string)
 * and payload indexes. The server validates; its error is shown beside the field its `path`
 * names (`vectors.image.size`, `payload_indexes.color`, `index`), or above the form when it
 * names none.
 */
import { useState } from 'preact/hooks';
import { ApiError } from '../../api/client.js';
import { errorMessage } from '../common/error-text.js';
import { useSession } from '../session-context.js';

const DISTANCES = ['Cosine', 'Euclid', 'Dot', 'Manhattan', 'Hamming', 'Jaccard'];
const IMAGE_PROVIDERS = ['mobilenet-v2', 'face', 'hog', 'color-histogram', 'orb-bovw'];
const PROVIDERS = ['', ...IMAGE_PROVIDERS, 'glove-100'];
const PAYLOAD_TYPES = ['keyword', 'integer', 'float', 'bool', 'text', 'datetime', 'uuid', 'geo'];

interface FieldRow {
  name: string;
  size: string;
  distance: string;
  provider: string;
  thumbnails: boolean;
}

interface IndexRow {
  key: string;
  type: string;
}

/** The request body, and for each path prefix of it the id of the input that sets it. */
function requestOf(
  fields: FieldRow[],
  index: string,
  factory: string,
  indexes: IndexRow[],
): { body: Record<string, unknown>; inputs: [string, string][] } {
  const inputs: [string, string][] = [];
  const params = (f: FieldRow, i: number, prefix: string) => {
    const p: Record<string, unknown> = {};
    if (f.size.trim() !== '') p.size = Number(f.size);
    if (f.provider === '' || f.size.trim() !== '') p.distance = f.distance;
    if (f.provider !== '') p.provider = f.provider;
    if (f.thumbnails && IMAGE_PROVIDERS.includes(f.provider)) p.store_input = 'thumbnail';
    inputs.push([`${prefix}.size`, `field-size-${i}`], [`${prefix}.distance`, `field-distance-${i}`]);
    inputs.push(
      [`${prefix}.provider`, `field-provider-${i}`],
      [`${prefix}.store_input`, `field-thumbs-${i}`],
    );
    inputs.push([prefix, `field-name-${i}`]);
    return p;
  };
  const single = fields.length === 1 && fields[0].name.trim() === '';
  const vectors = single
    ? params(fields[0], 0, 'vectors')
    : Object.fromEntries(fields.map((f, i) => [f.name.trim(), params(f, i, `vectors.${f.name.trim()}`)]));
  const body: Record<string, unknown> = { vectors };
  if (index === 'flat') body.index = 'Flat';
  if (index === 'factory') body.index = factory;
  inputs.push(['index', 'index-factory']);
  const payloadIndexes = indexes.filter((r) => r.key.trim() !== '');
  if (payloadIndexes.length > 0) {
    body.payload_indexes = Object.fromEntries(payloadIndexes.map((r) => [r.key.trim(), r.type]));
    payloadIndexes.forEach((r, i) => {
      inputs.push([`payload_indexes.${r.key.trim()}`, `pindex-key-${i}`]);
    });
  }
  inputs.push(['vectors', 'field-size-0'], ['name', 'collection-name'], ['params.name', 'collection-name']);
  return { body, inputs };
}

/**
 * The input that a server error points to: the longest known prefix of its path. The
 * server's factory-string errors name no path (they come from the factory parser), so an
 * error about a factory string belongs to the factory input.
 */
function inputFor(error: ApiError, inputs: [string, string][]): string | undefined {
  const path = error.path;
  if (path === undefined) return /factory string/.test(error.message) ? 'index-factory' : undefined;
  let best: [string, string] | undefined;
  for (const entry of inputs) {
    const [prefix] = entry;
    const matches = path === prefix || path.startsWith(`${prefix}.`) || path.startsWith(`${prefix}[`);
    if (matches && (best === undefined || prefix.length > best[0].length)) best = entry;
  }
  return best?.[1];
}

export function CreateCollectionForm({ onDone, onCancel }: { onDone: () => void; onCancel: () => void }) {
  const { api } = useSession();
  const [name, setName] = useState('');
  const [fields, setFields] = useState<FieldRow[]>([
    { name: '', size: '', distance: 'Cosine', provider: '', thumbnails: true },
  ]);
  const [index, setIndex] = useState('hnsw');
  const [factory, setFactory] = useState('HNSW32');
  const [indexes, setIndexes] = useState<IndexRow[]>([]);
  const [error, setError] = useState<{ message: string; input?: string } | undefined>();
  const [busy, setBusy] = useState(false);

  const setField = (i: number, change: Partial<FieldRow>) =>
    setFields(fields.map((f, j) => (j === i ? { ...f, ...change } : f)));
  const setIndexRow = (i: number, change: Partial<IndexRow>) =>
    setIndexes(indexes.map((r, j) => (j === i ? { ...r, ...change } : r)));

  const submit = async (event: Event) => {
    event.preventDefault();
    const { body, inputs } = requestOf(fields, index, factory, indexes);
    setBusy(true);
    setError(undefined);
    try {
      await api.createCollection(name.trim(), body);
      onDone();
    } catch (e) {
      const input = e instanceof ApiError ? inputFor(e, inputs) : undefined;
      setError({ message: errorMessage(e), input });
    } finally {
      setBusy(false);
    }
  };

  /** The error message, when it belongs beside input `id`. */
  const errorAt = (id: string) =>
    error?.input === id ? (
      <span class="field-error" role="alert" data-testid="create-field-error" id={`${id}-error`}>
        {error.message}
      </span>
    ) : null;
  const invalid = (id: string) =>
    error?.input === id ? { 'aria-invalid': true, 'aria-describedby': `${id}-error` } : {};

  return (
    <form class="card create-form" onSubmit={submit} aria-labelledby="create-title" data-testid="create-form">
      <h2 id="create-title">New collection</h2>
      {error !== undefined && error.input === undefined && (
        <p class="error" role="alert" data-testid="create-error">
          {error.message}
        </p>
      )}
      <label for="collection-name">Name</label>
      <input
        id="collection-name"
        value={name}
        required
        pattern="[A-Za-z0-9_\-]{1,64}"
        onInput={(e) => setName(e.currentTarget.value)}
        {...invalid('collection-name')}
      />
      {errorAt('collection-name')}
      <fieldset>
        <legend>Vector fields</legend>
        <p class="hint">One field without a name is a plain collection; name fields to have several.</p>
        {fields.map((f, i) => (
          <div class="field-row" key={i}>
            <label>
              Field
              <input
                id={`field-name-${i}`}
                value={f.name}
                placeholder={fields.length === 1 ? '(none)' : 'image'}
                onInput={(e) => setField(i, { name: e.currentTarget.value })}
                {...invalid(`field-name-${i}`)}
              />
            </label>
            <label>
              Provider
              <select
                id={`field-provider-${i}`}
                data-testid={`field-provider-${i}`}
                value={f.provider}
                onChange={(e) => setField(i, { provider: e.currentTarget.value })}
                {...invalid(`field-provider-${i}`)}
              >
                {PROVIDERS.map((p) => (
                  <option key={p} value={p}>
                    {p === '' ? '(none: vectors)' : p}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Size
              <input
                id={`field-size-${i}`}
                inputMode="numeric"
                value={f.size}
                placeholder={f.provider === '' ? '128' : 'from provider'}
                onInput={(e) => setField(i, { size: e.currentTarget.value })}
                {...invalid(`field-size-${i}`)}
              />
            </label>
            <label>
              Distance
              <select
                id={`field-distance-${i}`}
                value={f.distance}
                onChange={(e) => setField(i, { distance: e.currentTarget.value })}
                {...invalid(`field-distance-${i}`)}
              >
                {DISTANCES.map((d) => (
                  <option key={d}>{d}</option>
                ))}
              </select>
            </label>
            {IMAGE_PROVIDERS.includes(f.provider) && (
              <label class="check">
                <input
                  id={`field-thumbs-${i}`}
                  type="checkbox"
                  checked={f.thumbnails}
                  onChange={(e) => setField(i, { thumbnails: e.currentTarget.checked })}
                />
                keep thumbnails
              </label>
            )}
            {fields.length > 1 && (
              <button type="button" class="link" onClick={() => setFields(fields.filter((_, j) => j !== i))}>
                Remove
              </button>
            )}
            {[
              `field-name-${i}`,
              `field-provider-${i}`,
              `field-size-${i}`,
              `field-distance-${i}`,
              `field-thumbs-${i}`,
            ].map((id) => errorAt(id))}
          </div>
        ))}
        <button
          type="button"
          class="link"
          onClick={() =>
            setFields([...fields, { name: '', size: '', distance: 'Cosine', provider: '', thumbnails: true }])
          }
        >
          Add a field
        </button>
      </fieldset>
      <fieldset>
        <legend>Index of sealed segments</legend>
        <div class="inline">
          {[
            ['hnsw', 'HNSW (default)'],
            ['flat', 'Flat (exact)'],
            ['factory', 'Factory string'],
          ].map(([value, label]) => (
            <label class="check" key={value}>
              <input
                type="radio"
                name="index"
                value={value}
                checked={index === value}
                onChange={() => setIndex(value)}
              />
              {label}
            </label>
          ))}
          {index === 'factory' && (
            <input
              id="index-factory"
              aria-label="Factory string"
              value={factory}
              onInput={(e) => setFactory(e.currentTarget.value)}
              {...invalid('index-factory')}
            />
          )}
        </div>
        {errorAt('index-factory')}
      </fieldset>
      <fieldset>
        <legend>Payload indexes</legend>
        {indexes.map((r, i) => (
          <div class="field-row" key={i}>
            <label>
              Key
              <input
                id={`pindex-key-${i}`}
                value={r.key}
                onInput={(e) => setIndexRow(i, { key: e.currentTarget.value })}
                {...invalid(`pindex-key-${i}`)}
              />
            </label>
            <label>
              Type
              <select value={r.type} onChange={(e) => setIndexRow(i, { type: e.currentTarget.value })}>
                {PAYLOAD_TYPES.map((t) => (
                  <option key={t}>{t}</option>
                ))}
              </select>
            </label>
            <button type="button" class="link" onClick={() => setIndexes(indexes.filter((_, j) => j !== i))}>
              Remove
            </button>
            {errorAt(`pindex-key-${i}`)}
          </div>
        ))}
        <button
          type="button"
          class="link"
          data-testid="add-payload-index"
          onClick={() => setIndexes([...indexes, { key: '', type: 'keyword' }])}
        >
          Add a payload index
        </button>
      </fieldset>
      <div class="buttons">
        <button type="submit" disabled={busy} data-testid="create-submit">
          Create
        </button>
        <button type="button" class="secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
