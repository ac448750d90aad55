/**
 * Dropping a collection: the user types its name to confirm (the button stays disabled
 * until the text matches). A read-only key never reaches here (the Drop button is
 * disabled), and the server would answer 403 anyway.
 */
import { useState } from 'preact/hooks';
import { ErrorText } from '../common/error-text.js';
import { useSession } from '../session-context.js';

export function DropDialog({
  name,
  onDone,
  onCancel,
}: {
  name: string;
  onDone: () => void;
  onCancel: () => void;
}) {
  const { api } = useSession();
  const [typed, setTyped] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  const drop = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    try {
      await api.dropCollection(name);
      onDone();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section
      class="card danger-zone"
      role="dialog"
      aria-labelledby="drop-title"
      onKeyDown={(e) => e.key === 'Escape' && onCancel()}
      data-testid="drop-dialog"
    >
      <form onSubmit={drop}>
        <h2 id="drop-title">Drop {name}</h2>
        <p>
          This deletes the collection and all its points. Type <code>{name}</code> to confirm.
        </p>
        <label for="drop-confirm">Collection name</label>
        <input
          id="drop-confirm"
          value={typed}
          autocomplete="off"
          onInput={(e) => setTyped(e.currentTarget.value)}
          autofocus
        />
        <ErrorText error={error} testId="drop-error" />
        <div class="buttons">
          <button type="submit" class="danger" disabled={typed !== name || busy} data-testid="drop-confirm">
            Drop collection
          </button>
          <button type="button" class="secondary" onClick={onCancel}>
            Cancel
          </button>
        </div>
      </form>
    </section>
  );
}
