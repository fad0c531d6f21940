/** The console shell: sign-in, navigation and the screens of docs/contract.md#console. */
import { QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { type ReactNode, useEffect, useMemo, useRef, useState } from 'react';
import { type ApiClient, ApiError } from './api/client';
import type { Session } from './auth/session';
import { signOutAndForget } from './auth/sign-out';
import { ConsoleContext } from './context';
import { NoticeProvider } from './notices';
import { Link, match, useFocusOnNavigate, usePath } from './router';
import { DeliveriesScreen } from './screens/Deliveries';
import { DeliveryDetailScreen } from './screens/DeliveryDetail';
import { EventTypesScreen } from './screens/EventTypes';
import { FailureLogDetailScreen } from './screens/FailureLogDetail';
import { FailureLogsScreen } from './screens/FailureLogs';
import { RejectedEventsScreen } from './screens/RejectedEvents';
import { SignInScreen } from './screens/SignIn';
import { WebhookDetailScreen } from './screens/WebhookDetail';
import { WebhookFormScreen } from './screens/WebhookForm';
import { WebhooksScreen } from './screens/Webhooks';

const NAV = [
  { href: '/', label: 'Webhooks', section: /^\/($|webhooks)/ },
  { href: '/deliveries', label: 'Deliveries', section: /^\/deliveries/ },
  { href: '/failure-logs', label: 'Webhook Failure Logs', section: /^\/failure-logs/ },
  { href: '/rejected-events', label: 'Rejected events', section: /^\/rejected-events/ },
  { href: '/event-types', label: 'Event types', section: /^\/event-types/ },
];

/** The screens, by path; the first pattern that matches wins. */
const SCREENS: [string, (params: Record<string, string>) => ReactNode][] = [
  ['/', () => <WebhooksScreen />],
  ['/webhooks', () => <WebhooksScreen />],
  ['/webhooks/new', () => <WebhookFormScreen />],
  ['/webhooks/:id/edit', (params) => <WebhookFormScreen webhookId={params.id} />],
  ['/webhooks/:id', (params) => <WebhookDetailScreen webhookId={params.id!} />],
  ['/deliveries', () => <DeliveriesScreen />],
  ['/deliveries/:id', (params) => <DeliveryDetailScreen deliveryId={params.id!} />],
  ['/failure-logs', () => <FailureLogsScreen />],
  ['/failure-logs/:id', (params) => <FailureLogDetailScreen logId={params.id!} />],
  ['/rejected-events', () => <RejectedEventsScreen />],
  ['/event-types', () => <EventTypesScreen />],
];

function Screen({ path }: { path: string }) {
  for (const [pattern, render] of SCREENS) {
    const params = match(pattern, path);
    if (params) return <>{render(params)}</>;
  }
  return (
    <>
      <h1 tabIndex={-1}>Not found</h1>
      <p>
        There is no screen at {path}. <Link href="/">Back to webhooks</Link>
      </p>
    </>
  );
}

/**
 * On AWS a portal session that expired or was revoked is refused by its authorizer before the API runs:
 * API Gateway answers 403 without the API's error shape. The API's own 403 (a capability) has a code.
 */
function isGatewayRefusal(session: Session, error: ApiError): boolean {
  return session.mode === 'portal' && error.status === 403 && error.code === 'http_error';
}

export function App({ session, api }: { session: Session; api: ApiClient }) {
  const [signedIn, setSignedIn] = useState(session.isSignedIn());
  const path = usePath();
  useFocusOnNavigate(path);
  // After signing in, focus moves to the screen's heading, so keyboard and screen-reader users start there.
  const wasSignedIn = useRef(signedIn);
  useEffect(() => {
    if (signedIn && !wasSignedIn.current) document.querySelector<HTMLElement>('main h1')?.focus();
    wasSignedIn.current = signedIn;
  }, [signedIn]);
  const queryClient = useMemo(() => {
    const client: QueryClient = new QueryClient({
      queryCache: new QueryCache({
        // A token that stopped working (expired, revoked) sends the admin back to sign-in.
        onError: (error) => {
          if (error instanceof ApiError && (error.status === 401 || isGatewayRefusal(session, error))) {
            void signOutAndForget(session, client).then(() => setSignedIn(false));
          }
        },
      }),
      defaultOptions: {
        queries: {
          retry: (count, error) => !(error instanceof ApiError && error.status < 500) && count < 2,
          refetchOnWindowFocus: false,
        },
      },
    });
    return client;
  }, [session]);
  const context = useMemo(() => ({ api, session }), [api, session]);

  if (!signedIn && session.mode === 'portal') {
    return (
      <main id="main" className="page">
        <h1 tabIndex={-1}>This link has expired — reopen it from your admin</h1>
        <p>For your security, each link opens the webhook screens once and for a limited time.</p>
      </main>
    );
  }
  if (!signedIn) {
    return (
      <ConsoleContext.Provider value={context}>
        <SignInScreen onSignedIn={() => setSignedIn(true)} />
      </ConsoleContext.Provider>
    );
  }
  return (
    <ConsoleContext.Provider value={context}>
      <QueryClientProvider client={queryClient}>
        <a className="skip-link" href="#main">
          Skip to content
        </a>
        <header className="top-bar">
          <span className="brand">Chat webhooks · Admin</span>
          <nav aria-label="Main">
            <ul>
              {NAV.map((item) => (
                <li key={item.href}>
                  <Link href={item.href} aria-current={item.section.test(path) ? 'page' : undefined}>
                    {item.label}
                  </Link>
                </li>
              ))}
            </ul>
          </nav>
          {session.mode === 'portal' ? null : (
            <button
              type="button"
              className="button secondary"
              onClick={() => {
                void signOutAndForget(session, queryClient).then(() => setSignedIn(false));
              }}
            >
              Sign out
            </button>
          )}
        </header>
        <NoticeProvider>
          <main id="main" className="page">
            <Screen path={path} />
          </main>
        </NoticeProvider>
      </QueryClientProvider>
    </ConsoleContext.Provider>
  );
}
