/**
 * A failed load says what failed in plain words and offers "Retry", also when the service is down
 * (the browser's own "Failed to fetch" says neither what happened nor what to do).
 */
import { ApiError } from '../api/client';

/** The message for a load that failed: the API's own words, or that the service did not answer. */
export function loadErrorText(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof TypeError) return 'The service did not answer. Check that it is running, then retry.';
  return error instanceof Error ? error.message : String(error);
}

export function LoadError({ what, error, retry }: { what: string; error: unknown; retry: () => void }) {
  return (
    <div role="alert" className="load-error">
      <p>
        Could not load {what}. {loadErrorText(error)}
      </p>
      <button type="button" className="button secondary" onClick={retry}>
        Retry
      </button>
    </div>
  );
}
