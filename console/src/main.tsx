/** Entry point: read the config, restore the session, render. */
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { createApiClient } from './api/client';
import { applyLook, isPortalMode, PORTAL_PATH, portalSession, takeFragment } from './auth/portal';
import { createSession } from './auth/session';
import { loadConfig } from './config';
import { setRouterBase } from './router';
import './styles.css';

async function start(): Promise<void> {
  // Portal mode reads the link's fragment (and drops it from the address bar) before anything else.
  const portal = isPortalMode() ? takeFragment() : undefined;
  if (portal) {
    applyLook(portal.look);
    setRouterBase(PORTAL_PATH);
  }
  const root = createRoot(document.getElementById('root')!);
  try {
    const config = await loadConfig();
    const session = portal ? await portalSession(config, portal.token) : await createSession(config);
    // A portal session calls the same routes under /portal, where its own authorizer vouches for it.
    const apiBase = portal ? `${config.apiUrl.replace(/\/+$/, '')}${PORTAL_PATH}` : config.apiUrl;
    const api = createApiClient(apiBase, () => session.token());
    root.render(<App session={session} api={api} />);
  } catch (error) {
    root.render(
      <main className="page">
        <h1>The console could not start</h1>
        <p role="alert">{error instanceof Error ? error.message : String(error)}</p>
      </main>,
    );
  }
}

void start();
