/** Resolves at the first SIGTERM or SIGINT; a second one exits at once with code 1. */
export function untilSignal(): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      process.on(signal, () => process.exit(1));
      process.stderr.write(`quiver: ${signal}: finishing requests in flight, then closing\n`);
      resolve();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}
