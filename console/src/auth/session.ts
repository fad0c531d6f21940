/**
 * Who the console acts as. Locally: an admin token typed into the sign-in form, kept in
 * sessionStorage only (gone when the tab closes). On AWS: OpenID Connect authorization code +
 * PKCE via oidc-client-ts, its state in sessionStorage too; loaded only when configured.
 */
import type { ConsoleConfig } from '../config';

export interface Session {
  readonly mode: 'token' | 'oidc' | 'portal';
  /** Whether this session may write (a portal session may be read-only; the API enforces it too). */
  readonly canManage: boolean;
  /** The bearer token for the next API call, if signed in. */
  token(): Promise<string | undefined>;
  isSignedIn(): boolean;
  /** Token mode: stores `adminToken`. OIDC mode: redirects to the issuer (never returns). */
  signIn(adminToken?: string): Promise<void>;
  signOut(): Promise<void>;
}

const TOKEN_KEY = 'chat-webhooks.admin-token';

function tokenSession(): Session {
  return {
    mode: 'token',
    canManage: true,
    async token() {
      return sessionStorage.getItem(TOKEN_KEY) ?? undefined;
    },
    isSignedIn: () => sessionStorage.getItem(TOKEN_KEY) !== null,
    async signIn(adminToken) {
      if (!adminToken) throw new Error('Enter an admin token');
      sessionStorage.setItem(TOKEN_KEY, adminToken);
    },
    async signOut() {
      sessionStorage.removeItem(TOKEN_KEY);
    },
  };
}

async function oidcSession(auth: Extract<ConsoleConfig['auth'], { mode: 'oidc' }>): Promise<Session> {
  // A separate chunk: the local console never downloads the OIDC client.
  const { UserManager, WebStorageStateStore } = await import('oidc-client-ts');
  const origin = window.location.origin;
  const manager = new UserManager({
    authority: auth.authority,
    client_id: auth.clientId,
    redirect_uri: `${origin}/callback`,
    post_logout_redirect_uri: `${origin}/`,
    response_type: 'code', // authorization code; oidc-client-ts always adds PKCE (S256)
    scope: auth.scope,
    userStore: new WebStorageStateStore({ store: window.sessionStorage }),
    stateStore: new WebStorageStateStore({ store: window.sessionStorage }),
    automaticSilentRenew: false,
  });
  if (window.location.pathname === '/callback') {
    await manager.signinRedirectCallback();
    window.history.replaceState(null, '', '/');
  }
  let user = await manager.getUser();
  return {
    mode: 'oidc',
    canManage: true,
    async token() {
      user = await manager.getUser();
      return user && !user.expired ? user.access_token : undefined;
    },
    isSignedIn: () => user !== null && !user.expired,
    async signIn() {
      await manager.signinRedirect();
    },
    async signOut() {
      await manager.removeUser();
      user = null;
    },
  };
}

/** The session for `config`. */
export function createSession(config: ConsoleConfig): Promise<Session> {
  return config.auth.mode === 'oidc' ? oidcSession(config.auth) : Promise.resolve(tokenSession());
}
