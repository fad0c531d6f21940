/**
 * Signing out (the button, or a 401 from the API) forgets every cached answer before the session
 * ends, so the next sign-in, maybe another tenant's admin, never sees this tenant's lists.
 */
import { QueryClient } from '@tanstack/react-query';
import { describe, expect, it } from 'vitest';
import { signOutAndForget } from '#console-src/auth/sign-out';

describe('signOutAndForget', () => {
  it('drops every cached list before the session is signed out', async () => {
    const queryClient = new QueryClient();
    queryClient.setQueryData(['webhooks'], { items: [{ id: 'wh_tenant_a', name: 'Tenant A only' }] });
    queryClient.setQueryData(['failure-logs', { page: 1 }], { items: [{ id: 'fl_a' }] });
    const cachedAtSignOut: number[] = [];
    const session = {
      signOut: async () => {
        cachedAtSignOut.push(queryClient.getQueryCache().getAll().length);
      },
    };

    await signOutAndForget(session, queryClient);

    expect(cachedAtSignOut).toEqual([0]);
    expect(queryClient.getQueryData(['webhooks'])).toBeUndefined();
    expect(queryClient.getQueryCache().getAll()).toEqual([]);
  });
});
