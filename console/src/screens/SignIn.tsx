/** Sign-in: the admin token locally (docs/contract.md#console: field "Admin token", button "Sign in"), or OIDC on AWS. */
import { type FormEvent, useState } from 'react';
import { ApiError, ok } from '../api/client';
import { errorText, useConsole } from '../context';

export function SignInScreen({ onSignedIn }: { onSignedIn: () => void }) {
  const { api, session } = useConsole();
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(undefined);
    if (session.mode === 'oidc') {
      await session.signIn();
      return;
    }
    if (token.trim() === '') {
      setError('Enter the admin token printed by npm start.');
      return;
    }
    setBusy(true);
    try {
      await session.signIn(token.trim());
      // Check the token before showing the console: a cheap authenticated read.
      ok(await api.GET('/v1/event-types'));
      onSignedIn();
    } catch (caught) {
      await session.signOut();
      setError(
        caught instanceof ApiError && caught.status === 401
          ? 'That admin token was not accepted.'
          : `Could not sign in: ${errorText(caught)}`,
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <main id="main" className="page sign-in">
      <h1>Chat webhooks admin</h1>
      <form onSubmit={submit} noValidate className="card">
        {session.mode === 'token' ? (
          <div className="field">
            <label htmlFor="admin-token">Admin token</label>
            <input
              id="admin-token"
              type="password"
              autoComplete="off"
              value={token}
              onChange={(event) => setToken(event.target.value)}
              aria-describedby={error ? 'sign-in-error token-help' : 'token-help'}
              aria-invalid={error ? true : undefined}
            />
            <p id="token-help" className="help">
              The token <code>npm start</code> printed (or one of <code>ADMIN_TOKENS</code>). It is kept for
              this browser tab only.
            </p>
          </div>
        ) : (
          <p>Sign in with your organisation's identity provider.</p>
        )}
        {error && (
          <p id="sign-in-error" className="field-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="button" disabled={busy}>
          Sign in
        </button>
      </form>
    </main>
  );
}
