/**
 * Where a search image comes from: a file dropped on the zone, or picked with the file
 * input (the zone is its label, so Enter/Space and a click open the picker). The file is
 * read as base64 (what `inputs` of an image field takes: canonical, no `data:` prefix).
 */
import { useState } from 'preact/hooks';

export interface PickedImage {
  name: string;
  base64: string;
  /** An object URL of the file, to show it. */
  preview: string;
}

/** The canonical base64 of a file's bytes. */
export function readBase64(file: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => {
      const url = String(reader.result);
      resolve(url.slice(url.indexOf(',') + 1));
    };
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

export function ImagePicker({
  image,
  onPick,
}: {
  image?: PickedImage;
  onPick: (image: PickedImage) => void;
}) {
  const [over, setOver] = useState(false);
  const [error, setError] = useState<string | undefined>();

  const take = async (file: File | undefined) => {
    if (file === undefined) return;
    if (!file.type.startsWith('image/')) {
      setError(`${file.name} is not an image (${file.type || 'unknown type'})`);
      return;
    }
    setError(undefined);
    if (image !== undefined) URL.revokeObjectURL(image.preview);
    onPick({ name: file.name, base64: await readBase64(file), preview: URL.createObjectURL(file) });
  };

  return (
    <div>
      <label
        class={`drop-zone ${over ? 'over' : ''}`}
        data-testid="drop-zone"
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={(e) => {
          e.preventDefault();
          setOver(false);
          take(e.dataTransfer?.files[0]);
        }}
      >
        <input
          type="file"
          accept="image/*"
          class="visually-hidden"
          data-testid="image-input"
          onChange={(e) => take(e.currentTarget.files?.[0])}
        />
        {image === undefined ? (
          <span>Drop an image here, or choose a file</span>
        ) : (
          <span class="picked">
            <img src={image.preview} alt="" class="thumb" />
            <span data-testid="picked-name">{image.name}</span>
          </span>
        )}
      </label>
      {error !== undefined && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
