/**
 * A collection's snapshots: list, create, download (fetched with the key, then saved
 * through an object URL) and restore from a file (multipart upload; it replaces the
 * collection). Creating and restoring need an admin key; so does listing and
 * downloading (every snapshot route does), so a read-only key sees the server's 403 here.
 */
import { useState } from 'preact/hooks';
import { formatBytes } from '../../state/format.js';
import { usePoll } from '../../state/poll.js';
import { ErrorText } from '../common/error-text.js';
import { useCanWrite, useSession } from '../session-context.js';

export function SnapshotsPanel({ name, onClose }: { name: string; onClose: () => void }) {
  const { api } = useSession();
  const canWrite = useCanWrite();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState<string | undefined>();
  const [done, setDone] = useState<string | undefined>();
  const list = usePoll(() => api.listSnapshots(name), 0, [api, name]);

  const run = async (what: string, action: () => Promise<unknown>, message?: string) => {
    setBusy(what);
    setError(undefined);
    setDone(undefined);
    try {
      await action();
      setDone(message);
      list.refresh();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(undefined);
    }
  };

  const download = (snapshot: string) =>
    run(`download ${snapshot}`, async () => {
      const blob = await api.downloadSnapshot(name, snapshot);
      const url = URL.createObjectURL(blob);
      const link = document.createElement('a');
      link.href = url;
      link.download = snapshot;
      link.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    });

  const restore = (file: File) =>
    run('restore', () => api.restoreSnapshot(name, file, file.name), `Restored ${name} from ${file.name}.`);

  return (
    <section
      class="card"
      aria-labelledby="snapshots-title"
      data-testid="snapshots-panel"
      onKeyDown={(e) => e.key === 'Escape' && onClose()}
    >
      <div class="page-head">
        <h2 id="snapshots-title">Snapshots of {name}</h2>
        <button type="button" class="secondary" onClick={onClose}>
          Close
        </button>
      </div>
      <ErrorText error={error ?? list.error} />
      {done !== undefined && (
        <p class="ok" role="status" data-testid="snapshot-done">
          {done}
        </p>
      )}
      <div class="buttons">
        <button
          type="button"
          disabled={!canWrite || busy !== undefined}
          onClick={() => run('create', () => api.createSnapshot(name))}
          data-testid="snapshot-create"
        >
          {busy === 'create' ? 'Creating…' : 'Create snapshot'}
        </button>
        <label class={`button secondary ${canWrite ? '' : 'disabled'}`}>
          Restore from file…
          <input
            type="file"
            accept=".snapshot"
            data-testid="snapshot-restore"
            class="visually-hidden"
            disabled={!canWrite || busy !== undefined}
            onChange={(e) => {
              const file = e.currentTarget.files?.[0];
              if (file !== undefined) restore(file);
            }}
          />
        </label>
      </div>
      {list.data !== undefined && list.data.length === 0 && <p class="empty">No snapshots.</p>}
      {list.data !== undefined && list.data.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Created</th>
              <th scope="col" class="num">
                Size
              </th>
              <th scope="col" />
            </tr>
          </thead>
          <tbody>
            {list.data.map((s) => (
              <tr key={s.name}>
                <td>{s.name}</td>
                <td>{s.creation_time}</td>
                <td class="num">{formatBytes(s.size)}</td>
                <td>
                  <button type="button" class="link" onClick={() => download(s.name)}>
                    Download
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
