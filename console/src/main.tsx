/** Entry point: read the config, restore the session, render. */
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { createApiClient } from './api/client';
import { createSession } from './auth/session';
import { loadConfig } from './config';
import './styles.css';

async function start(): Promise<void> {
  const root = createRoot(document.getElementById('root')!);
  try {
    const config = await loadConfig();
    const session = await createSession(config);
    const api = createApiClient(config.apiUrl, () => session.token());
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
