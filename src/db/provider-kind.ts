/** Which raw inputs a provider takes, by its name: texts, or images (paths or bytes). */

/** Provider names (or prefixes) that take texts; every other provider takes images. */
const TEXT_PROVIDERS = ['glove-100', 'onnx:', 'openai:'];

/** Whether the provider `name` takes texts (else images: paths or bytes). */
export function isTextProvider(name: string): boolean {
  return TEXT_PROVIDERS.some((t) => name.startsWith(t));
}
