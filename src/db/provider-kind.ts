/**
 * Which raw inputs a provider takes, by its name: texts, WAV audio (paths or bytes), or images
 * (paths or bytes). Audio and image inputs travel alike everywhere (a path read by whoever
 * holds the file, bytes as they are, base64 bytes over HTTP); only the words of error
 * messages, and whether a thumbnail can be made, tell them apart.
 */

/** Provider names (or prefixes) that take texts. */
const TEXT_PROVIDERS = ['glove-100', 'onnx:', 'openai:'];

/** Provider names that take WAV audio; every provider neither text nor audio takes images. */
const AUDIO_PROVIDERS = ['audio-mfcc'];

/** What a provider's raw inputs are. */
export type ProviderInputKind = 'text' | 'image' | 'audio';

/** Whether the provider `name` takes texts (else file paths or bytes: images or audio). */
export function isTextProvider(name: string): boolean {
  return TEXT_PROVIDERS.some((t) => name.startsWith(t));
}

/** What the provider `name` takes. */
export function providerInputKind(name: string): ProviderInputKind {
  if (isTextProvider(name)) return 'text';
  return AUDIO_PROVIDERS.includes(name) ? 'audio' : 'image';
}

/** How a non-text input of the provider `name` is named in messages: "image file" or "audio file". */
export function fileInputName(name: string): 'image file' | 'audio file' {
  return providerInputKind(name) === 'audio' ? 'audio file' : 'image file';
}
