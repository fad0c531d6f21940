/**
 * Ending a session forgets everything it fetched: the next sign-in, maybe an admin of another
 * tenant, must never be shown the previous tenant's cached lists, not even for one render.
 */
import type { QueryClient } from '@tanstack/react-query';

/**
 * Drops every cached query and mutation of `queryClient`, then signs `session` out. Used by the
 * sign-out button and when the API refuses the token (401). Rejects only if the session's own
 * sign-out does; the cache is cleared first either way.
 */
export async function signOutAndForget(
  session: { signOut(): Promise<void> },
  queryClient: Pick<QueryClient, 'clear'>,
): Promise<void> {
  queryClient.clear();
  await session.signOut();
}
