/**
 * What a collection's description says about its fields, as the pages need it: which
 * vector fields there are, which embed images or texts, which keep thumbnails, and which
 * payload keys have a full-text index (for BM25).
 */
import type { CollectionInfo } from '../api/types.js';

/** The providers that embed images (the rest embed texts). */
const IMAGE_PROVIDERS = new Set(['mobilenet-v2', 'face', 'hog', 'color-histogram', 'orb-bovw']);

export interface FieldsOf {
  /** Named vector fields; empty for a collection with one unnamed vector. */
  vectorFields: string[];
  imageFields: string[];
  textFields: string[];
  /** The first field that keeps thumbnails, if any. */
  thumbnailField?: string;
  /** Payload keys with a `text` index. */
  textIndexes: string[];
  /** The dimension of a field (or of the collection's one vector). */
  dimension(field?: string): number;
}

export function fieldsOf(info: CollectionInfo): FieldsOf {
  const vectors = info.quiver.vectors ?? {};
  const names = Object.keys(vectors);
  const withProvider = names.filter((n) => vectors[n].provider !== undefined);
  const imageFields = withProvider.filter((n) => IMAGE_PROVIDERS.has(vectors[n].provider!));
  return {
    vectorFields: names,
    imageFields,
    textFields: withProvider.filter((n) => !IMAGE_PROVIDERS.has(vectors[n].provider!)),
    thumbnailField: names.find((n) => vectors[n].store_input === 'thumbnail'),
    textIndexes: Object.entries(info.quiver.payload_indexes ?? {})
      .filter(([, index]) => index.type === 'text')
      .map(([key]) => key),
    dimension: (field) =>
      field !== undefined && vectors[field] !== undefined
        ? vectors[field].dimension
        : (info.quiver.dimension ?? 0),
  };
}
