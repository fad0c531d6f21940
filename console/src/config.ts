/**
 * Where the console finds its API and how it signs in. On AWS the stack writes `/config.json`
 * next to the static files (OIDC); locally there is none and the console talks to its own origin
 * with an admin token.
 */
export type ConsoleConfig = {
  /** Base URL of the admin API, without `/v1`; '' = this origin. */
  apiUrl: string;
  auth: { mode: 'token' } | { mode: 'oidc'; authority: string; clientId: string; scope: string };
};

const LOCAL: ConsoleConfig = { apiUrl: '', auth: { mode: 'token' } };

/** Reads `/config.json`; a missing file (404) means the local runtime. */
export async function loadConfig(): Promise<ConsoleConfig> {
  const response = await fetch('/config.json', { cache: 'no-store' });
  if (response.status === 404) return LOCAL;
  if (!response.ok) throw new Error(`config.json answered HTTP ${response.status}`);
  const value = (await response.json()) as Partial<ConsoleConfig>;
  if (typeof value.apiUrl !== 'string' || !value.auth) throw new Error('config.json lacks apiUrl or auth');
  if (value.auth.mode === 'oidc') {
    const { authority, clientId, scope } = value.auth;
    if (!authority?.startsWith('https://') || !clientId) {
      throw new Error('config.json: auth.authority must be an https URL and auth.clientId set');
    }
    return { apiUrl: value.apiUrl, auth: { mode: 'oidc', authority, clientId, scope: scope || 'openid' } };
  }
  return { apiUrl: value.apiUrl, auth: { mode: 'token' } };
}
