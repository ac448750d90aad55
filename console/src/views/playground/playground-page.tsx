/**
 * The search playground. Modes: by vector (JSON numbers), by point id ("more like this",
 * `/points/query` with the id), by text (BM25 over a payload key with a text index; with a
 * vector too, a hybrid search fused by `fusion`), through a text provider field, and by
 * image (the image field's provider embeds the dropped or picked file). Every mode takes
 * `k`, `ef` and a filter; results show scores, payloads and, where the collection keeps
 * them, thumbnails. The image mode is chosen first when the collection has an image field.
 * "Explain" sends `explain: true`, and each hit then opens to how it was found and scored.
 */
import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../../api/client.js';
import type { CollectionInfo, ScoredPoint, SearchRequest } from '../../api/types.js';
import { type FieldsOf, fieldsOf } from '../../state/collection-fields.js';
import { parseJsonInput } from '../../state/format.js';
import { usePoll } from '../../state/poll.js';
import { ErrorText } from '../common/error-text.js';
import { FilterEditor } from '../common/filter-editor.js';
import { useSession } from '../session-context.js';
import { ImagePicker, type PickedImage } from './image-picker.js';
import { ResultsList } from './results-list.js';

type Mode = 'vector' | 'point' | 'text' | 'provider-text' | 'image';

const MODE_LABELS: Record<Mode, string> = {
  vector: 'Vector',
  point: 'Point id',
  text: 'Text (BM25 / hybrid)',
  'provider-text': 'Text provider',
  image: 'Image',
};

/** The modes a collection supports. */
function modesOf(fields: FieldsOf): Mode[] {
  const modes: Mode[] = [];
  if (fields.imageFields.length > 0) modes.push('image');
  modes.push('vector', 'point');
  if (fields.textIndexes.length > 0) modes.push('text');
  if (fields.textFields.length > 0) modes.push('provider-text');
  return modes;
}

function randomVector(dimension: number): number[] {
  return Array.from({ length: dimension }, () => Math.round((Math.random() * 2 - 1) * 1000) / 1000);
}

export function PlaygroundPage({ collection }: { collection: string }) {
  const { api } = useSession();
  const info = usePoll<CollectionInfo>(() => api.describe(collection), 0, [api, collection]);
  if (info.error !== undefined) return <ErrorText error={info.error} />;
  if (info.data === undefined) return <p class="loading">Loading…</p>;
  return <Playground collection={collection} fields={fieldsOf(info.data)} />;
}

function Playground({ collection, fields }: { collection: string; fields: FieldsOf }) {
  const { api } = useSession();
  const modes = modesOf(fields);
  const [mode, setMode] = useState<Mode>(modes[0]);
  const [using, setUsing] = useState<string>(fields.vectorFields[0] ?? '');
  const [vectorText, setVectorText] = useState('');
  /** The vector of a hybrid text search (kept apart from the vector mode's). */
  const [hybridText, setHybridText] = useState('');
  const [pointId, setPointId] = useState('');
  const [text, setText] = useState('');
  const [textField, setTextField] = useState(fields.textIndexes[0] ?? '');
  const [fusion, setFusion] = useState<'rrf' | 'weighted' | 'dbsf'>('rrf');
  const [providerField, setProviderField] = useState(fields.textFields[0] ?? '');
  const [imageField, setImageField] = useState(fields.imageFields[0] ?? '');
  const [image, setImage] = useState<PickedImage | undefined>();
  const [k, setK] = useState(10);
  const [ef, setEf] = useState('');
  const [filterText, setFilterText] = useState('');
  const [explain, setExplain] = useState(false);
  const [hits, setHits] = useState<ScoredPoint[] | undefined>();
  const [error, setError] = useState<unknown>();
  const [filterError, setFilterError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  const run = async () => {
    setError(undefined);
    setFilterError(undefined);
    let filter: unknown;
    try {
      filter = parseJsonInput(filterText);
    } catch (e) {
      setFilterError(e);
      return;
    }
    setBusy(true);
    try {
      const efValue = ef.trim() === '' ? undefined : Number(ef);
      const common: SearchRequest = {
        limit: k,
        filter,
        params: efValue === undefined ? undefined : { hnsw_ef: efValue },
        explain: explain || undefined,
      };
      const named = fields.vectorFields.length > 0 && using !== '' ? using : undefined;
      const vector = (source = vectorText) => {
        const parsed = parseJsonInput(source);
        if (!Array.isArray(parsed)) throw new SyntaxError('the vector must be a JSON array of numbers');
        return parsed as number[];
      };
      let result: ScoredPoint[];
      if (mode === 'vector') {
        result = await api.search(collection, { ...common, vector: vector(), using: named });
      } else if (mode === 'point') {
        const id = /^\d+$/.test(pointId.trim()) ? Number(pointId.trim()) : pointId.trim();
        result = await api.similarTo(collection, id, {
          limit: k,
          using: named,
          filter,
          ef: efValue,
          explain: explain || undefined,
        });
      } else if (mode === 'text') {
        const hybrid = hybridText.trim() !== '';
        result = await api.search(collection, {
          ...common,
          text,
          text_field: textField,
          ...(hybrid ? { vector: vector(hybridText), using: named, fusion } : {}),
        });
      } else if (mode === 'provider-text') {
        result = await api.search(collection, { ...common, inputs: { [providerField]: text } });
      } else {
        if (image === undefined) throw new Error('drop or choose an image first');
        result = await api.search(collection, { ...common, inputs: { [imageField]: image.base64 } });
      }
      setHits(result);
    } catch (e) {
      if (e instanceof ApiError && e.path?.startsWith('filter')) {
        setFilterError(e);
      } else setError(e);
    } finally {
      setBusy(false);
    }
  };

  // A picked image searches at once (what dropping a photo should do).
  useEffect(() => {
    if (image !== undefined) run();
  }, [image]);

  const fieldSelect = (
    id: string,
    label: string,
    value: string,
    options: string[],
    set: (v: string) => void,
  ) => (
    <label>
      {label}
      <select id={id} value={value} onChange={(e) => set(e.currentTarget.value)}>
        {options.map((o) => (
          <option key={o}>{o}</option>
        ))}
      </select>
    </label>
  );
  const dimension = fields.dimension(using === '' ? undefined : using);
  const vectorInput = (label: string, value: string, set: (text: string) => void) => (
    <div>
      <label for="query-vector">{label}</label>
      <textarea
        id="query-vector"
        rows={3}
        spellcheck={false}
        value={value}
        placeholder={`[0.1, 0.2, …] (${dimension} numbers)`}
        onInput={(e) => set(e.currentTarget.value)}
        data-testid="query-vector"
      />
      <button type="button" class="link" onClick={() => set(JSON.stringify(randomVector(dimension)))}>
        Random vector
      </button>
    </div>
  );

  return (
    <section aria-labelledby="search-title" class="playground">
      <h1 id="search-title">Search</h1>
      <form
        class="card"
        onSubmit={(e) => {
          e.preventDefault();
          run();
        }}
      >
        <div role="radiogroup" aria-label="Search by" class="modes">
          {modes.map((m) => (
            <label key={m} class={`mode ${mode === m ? 'active' : ''}`}>
              <input
                type="radio"
                name="mode"
                value={m}
                checked={mode === m}
                onChange={() => setMode(m)}
                data-testid={`mode-${m}`}
              />
              {MODE_LABELS[m]}
            </label>
          ))}
        </div>
        {(mode === 'vector' || mode === 'point' || mode === 'text') &&
          fields.vectorFields.length > 0 &&
          fieldSelect('using', 'Vector field', using, fields.vectorFields, setUsing)}
        {mode === 'vector' && vectorInput('Query vector (JSON)', vectorText, setVectorText)}
        {mode === 'point' && (
          <label>
            Point id
            <input
              value={pointId}
              onInput={(e) => setPointId(e.currentTarget.value)}
              data-testid="query-point"
            />
          </label>
        )}
        {(mode === 'text' || mode === 'provider-text') && (
          <label>
            Text
            <input value={text} onInput={(e) => setText(e.currentTarget.value)} data-testid="query-text" />
          </label>
        )}
        {mode === 'text' && (
          <>
            {fieldSelect('text-field', 'Text field (BM25)', textField, fields.textIndexes, setTextField)}
            {vectorInput('Vector for a hybrid search (optional)', hybridText, setHybridText)}
            <label>
              Fusion
              <select value={fusion} onChange={(e) => setFusion(e.currentTarget.value as typeof fusion)}>
                <option value="rrf">rrf</option>
                <option value="weighted">weighted</option>
                <option value="dbsf">dbsf</option>
              </select>
            </label>
          </>
        )}
        {mode === 'provider-text' &&
          fieldSelect('provider-field', 'Field', providerField, fields.textFields, setProviderField)}
        {mode === 'image' && (
          <>
            {fields.imageFields.length > 1 &&
              fieldSelect('image-field', 'Image field', imageField, fields.imageFields, setImageField)}
            <ImagePicker image={image} onPick={setImage} />
          </>
        )}
        <div class="inline">
          <label>
            k
            <input
              type="number"
              min={1}
              max={1000}
              value={k}
              onInput={(e) => setK(Number(e.currentTarget.value) || 10)}
              data-testid="query-k"
            />
          </label>
          <label>
            ef
            <input
              type="number"
              min={1}
              value={ef}
              placeholder="default"
              onInput={(e) => setEf(e.currentTarget.value)}
            />
          </label>
          <label class="check">
            <input
              type="checkbox"
              checked={explain}
              onChange={(e) => setExplain(e.currentTarget.checked)}
              data-testid="explain-toggle"
            />
            Explain
          </label>
        </div>
        <FilterEditor
          id="search-filter"
          text={filterText}
          onChange={setFilterText}
          onApply={run}
          error={filterError}
        />
        <div class="buttons">
          <button type="submit" disabled={busy} data-testid="search-run">
            {busy ? 'Searching…' : 'Search'}
          </button>
        </div>
      </form>
      <ErrorText error={error} testId="search-error" />
      {hits !== undefined && (
        <ResultsList collection={collection} hits={hits} thumbnailField={fields.thumbnailField} />
      )}
    </section>
  );
}
