/**
 * Qdrant's `params.quantization` of a search, `{ ignore?, rescore?, oversampling? }`, as the
 * engine's `rerank` (the candidates re-ranked on full-precision vectors by quantized
 * indexes, and by fields kept on disk, which read those vectors from their files):
 * `rescore: false` is `rerank: 0` (the codes' distances, no reads), `oversampling: x` is
 * `rerank: ⌈x · limit⌉`. Quiver's own `params.rerank` wins over both; without any, the index
 * re-ranks every candidate its search kept (HNSW: max(ef, limit)), which is Qdrant's
 * rescoring with an oversampling of max(ef, limit) / limit. `ignore` (search the original
 * vectors rather than the codes) is accepted and changes nothing: graphs are walked on
 * their codes.
 */

export interface QuantizationParamsBody {
  ignore?: boolean;
  rescore?: boolean;
  oversampling?: number;
}

/** The `rerank` of search params for a search of `limit` results, or undefined for the index's default. */
export function rerankOf(
  params: { rerank?: number; quantization?: QuantizationParamsBody | null } | undefined,
  limit: number,
): number | undefined {
  if (params?.rerank !== undefined) return params.rerank;
  const q = params?.quantization;
  if (q?.rescore === false) return 0;
  if (q?.oversampling !== undefined) return Math.ceil(q.oversampling * limit);
  return undefined;
}
