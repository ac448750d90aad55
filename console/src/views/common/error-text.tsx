/** An error as the console shows it: the server's message, its code, and the path it blames. */
import { ApiError } from '../../api/client.js';

export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return `${error.message} (${error.code})`;
  return error instanceof Error ? error.message : String(error);
}

export function ErrorText({ error, testId }: { error: unknown; testId?: string }) {
  if (error === undefined) return null;
  return (
    <p class="error" role="alert" data-testid={testId}>
      {errorMessage(error)}
    </p>
  );
}
