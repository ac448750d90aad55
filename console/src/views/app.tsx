/**
 * The console's shell: the sign-in page until a key is accepted, then a header with the
 * navigation and the page the hash names. A request answered 401 later (the key was
 * revoked) signs out.
 */
import { useEffect, useState } from 'preact/hooks';
import { type Route, routeHref, useRoute } from '../state/route.js';
import { type SignedIn, signIn, signInWithoutKey, signOut, storedKey } from '../state/session.js';
import { ActivityPage } from './activity/activity-page.js';
import { CollectionsPage } from './collections/collections-page.js';
import { MapPage } from './map/map-page.js';
import { PlaygroundPage } from './playground/playground-page.js';
import { PointsPage } from './points/points-page.js';
import { SessionContext } from './session-context.js';
import { SignInPage } from './signin/sign-in-page.js';

export function App() {
  const [session, setSession] = useState<SignedIn | undefined>();
  const [restoring, setRestoring] = useState(true);

  // A key this tab signed in with signs in again (a reload); a server without keys needs none.
  useEffect(() => {
    const key = storedKey();
    const attempt = key === undefined ? signInWithoutKey() : signIn(key);
    attempt
      .then(setSession)
      .catch(() => signOut())
      .finally(() => setRestoring(false));
  }, []);

  if (restoring) return <p class="loading">Signing in…</p>;
  if (session === undefined) return <SignInPage onSignedIn={setSession} />;
  return (
    <SessionContext.Provider value={session}>
      <Shell
        session={session}
        onSignOut={() => {
          signOut();
          setSession(undefined);
        }}
      />
    </SessionContext.Provider>
  );
}

function Shell({ session, onSignOut }: { session: SignedIn; onSignOut: () => void }) {
  const route = useRoute();
  return (
    <div class="shell">
      <header class="topbar">
        <a class="brand" href="#/collections">
          Quiver
        </a>
        <nav aria-label="Main">
          <NavLink route={{ page: 'collections' }} current={route} label="Collections" />
          <NavLink route={{ page: 'activity' }} current={route} label="Activity" />
        </nav>
        <span
          class="role"
          data-testid="role"
          title={session.keys ? 'API key role' : 'the server has no keys'}
        >
          {session.role}
        </span>
        <button type="button" class="link" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      {route.page !== 'collections' && route.page !== 'activity' && (
        <nav class="tabs" aria-label={`Collection ${route.collection}`}>
          <span class="tabs-title">{route.collection}</span>
          {(['points', 'search', 'map'] as const).map((page) => (
            <NavLink
              key={page}
              route={{ page, collection: route.collection }}
              current={route}
              label={page === 'search' ? 'Search' : page === 'map' ? 'Map' : 'Points'}
            />
          ))}
        </nav>
      )}
      <main>
        <Page route={route} />
      </main>
    </div>
  );
}

function NavLink({ route, current, label }: { route: Route; current: Route; label: string }) {
  const active = routeHref(route) === routeHref(current);
  return (
    <a href={routeHref(route)} aria-current={active ? 'page' : undefined} class={active ? 'active' : ''}>
      {label}
    </a>
  );
}

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case 'collections':
      return <CollectionsPage />;
    case 'activity':
      return <ActivityPage />;
    case 'points':
      return <PointsPage key={route.collection} collection={route.collection} />;
    case 'search':
      return <PlaygroundPage key={route.collection} collection={route.collection} />;
    case 'map':
      return <MapPage key={route.collection} collection={route.collection} />;
  }
}
