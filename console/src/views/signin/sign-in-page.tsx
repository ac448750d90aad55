/**
 * Sign in with an API key. The key is checked with `GET /console/session`, which also says
 * its role; it is kept in this tab's sessionStorage only. A server without keys accepts an
 * empty key.
 */
import { useState } from 'preact/hooks';
import { ApiError } from '../../api/client.js';
import { type SignedIn, signIn } from '../../state/session.js';

export function SignInPage({ onSignedIn }: { onSignedIn: (session: SignedIn) => void }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      onSignedIn(await signIn(key));
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="signin">
      <form onSubmit={submit} class="card" aria-labelledby="signin-title">
        <h1 id="signin-title">Quiver console</h1>
        <label for="api-key">API key</label>
        <input
          id="api-key"
          name="api-key"
          type="password"
          autocomplete="current-password"
          value={key}
          onInput={(e) => setKey(e.currentTarget.value)}
          aria-describedby="signin-help"
          autofocus
        />
        <p id="signin-help" class="hint">
          Kept in this tab only. Leave empty if the server has no keys.
        </p>
        {error !== undefined && (
          <p class="error" role="alert" data-testid="signin-error">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
