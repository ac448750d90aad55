/**
 * A point's stored thumbnail (`GET …/points/{id}/thumbnail/{field}`), fetched with the key
 * and shown through an object URL (an `<img src>` cannot send the key). A point without
 * one shows a placeholder.
 */
import { useEffect, useState } from 'preact/hooks';
import type { PointId } from '../../api/types.js';
import { useSession } from '../session-context.js';

export function Thumbnail({ collection, id, field }: { collection: string; id: PointId; field: string }) {
  const { api } = useSession();
  const [url, setUrl] = useState<string | null | undefined>();
  useEffect(() => {
    let objectUrl: string | undefined;
    let stopped = false;
    api
      .thumbnail(collection, id, field)
      .then((blob) => {
        if (stopped) return;
        if (blob === undefined) return setUrl(null);
        objectUrl = URL.createObjectURL(blob);
        setUrl(objectUrl);
      })
      .catch(() => !stopped && setUrl(null));
    return () => {
      stopped = true;
      if (objectUrl !== undefined) URL.revokeObjectURL(objectUrl);
    };
  }, [api, collection, id, field]);
  if (url === undefined) return <div class="thumb placeholder" aria-hidden="true" />;
  if (url === null) return <div class="thumb placeholder" title="no thumbnail" />;
  return <img class="thumb" src={url} alt={`thumbnail of point ${String(id)}`} data-testid="thumbnail" />;
}
