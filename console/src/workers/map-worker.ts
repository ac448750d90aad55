/**
 * The map's worker: projects the sampled vectors off the main thread. It answers a request
 * with PCA at once (`{ kind: 'done', method: 'pca' }`), and then, when UMAP was asked for
 * and there are enough points (UMAP needs neighbours: at least 10 points), with progress
 * messages and the UMAP layout. A failure of UMAP leaves the PCA layout and is reported.
 */
import { pca, umap } from './projection.js';

export interface ProjectRequest {
  id: number;
  data: Float32Array;
  n: number;
  dim: number;
  method: 'umap' | 'pca';
  seed: number;
}

export type ProjectAnswer =
  | { id: number; kind: 'done'; method: 'pca' | 'umap'; coords: Float32Array; final: boolean }
  | { id: number; kind: 'progress'; fraction: number }
  | { id: number; kind: 'error'; message: string };

/** The minimum points for UMAP; fewer are laid out by PCA only. */
const UMAP_MIN_POINTS = 10;

const post = (answer: ProjectAnswer) => (self as unknown as Worker).postMessage(answer);

self.onmessage = (event: MessageEvent<ProjectRequest>) => {
  const { id, data, n, dim, method, seed } = event.data;
  try {
    const wantsUmap = method === 'umap' && n >= UMAP_MIN_POINTS;
    post({ id, kind: 'done', method: 'pca', coords: pca(data, n, dim, seed), final: !wantsUmap });
    if (!wantsUmap) return;
    const coords = umap(data, n, dim, seed, (fraction) => post({ id, kind: 'progress', fraction }));
    post({ id, kind: 'done', method: 'umap', coords, final: true });
  } catch (error) {
    post({ id, kind: 'error', message: (error as Error).message });
  }
};
