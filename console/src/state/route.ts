/**
 * Hash routes (`#/collections/photos/search`): the server serves one page, so the console
 * routes in the fragment, and a reload or a shared link opens the same view.
 */
import { useEffect, useState } from 'preact/hooks';

export type Route =
  | { page: 'collections' }
  | { page: 'activity' }
  | { page: 'points' | 'search' | 'map'; collection: string };

const COLLECTION_PAGES = new Set(['points', 'search', 'map']);

/** The route a hash names; unknown hashes are the collections list. */
export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'activity') return { page: 'activity' };
  if (parts[0] === 'collections' && parts[1] !== undefined && COLLECTION_PAGES.has(parts[2] ?? '')) {
    return { page: parts[2] as 'points' | 'search' | 'map', collection: parts[1] };
  }
  return { page: 'collections' };
}

/** The hash of a route (what links point to). */
export function routeHref(route: Route): string {
  if (route.page === 'collections') return '#/collections';
  if (route.page === 'activity') return '#/activity';
  return `#/collections/${encodeURIComponent(route.collection)}/${route.page}`;
}

/** The current route, following `hashchange`. */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const update = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', update);
    return () => removeEventListener('hashchange', update);
  }, []);
  return route;
}
