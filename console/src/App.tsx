/** The console shell: sign-in, navigation and the screens of docs/contract.md#console. */
import { QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { type ReactNode, useMemo, useState } from 'react';
import { type ApiClient, ApiError } from './api/client';
import type { Session } from './auth/session';
import { signOutAndForget } from './auth/sign-out';
import { ConsoleContext } from './context';
import { NoticeProvider } from './notices';
import {
  Link,
  matchRoute,
  pathTo,
  type RouteMatch,
  type RouteName,
  type RouteParams,
  requestHeadingFocus,
  ScreenHeading,
  usePath,
} from './router';
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
  { href: pathTo('home'), label: 'Webhooks', section: /^\/($|webhooks)/ },
  { href: pathTo('deliveries'), label: 'Deliveries', section: /^\/deliveries/ },
  { href: pathTo('failureLogs'), label: 'Webhook Failure Logs', section: /^\/failure-logs/ },
  { href: pathTo('rejectedEvents'), label: 'Rejected events', section: /^\/rejected-events/ },
  { href: pathTo('eventTypes'), label: 'Event types', section: /^\/event-types/ },
];

/** Each route's screen: the compiler checks every route has one and each gets its own parameters. */
const SCREENS: { [N in RouteName]: (params: RouteParams<N>) => ReactNode } = {
  home: () => <WebhooksScreen />,
  webhooks: () => <WebhooksScreen />,
  newWebhook: () => <WebhookFormScreen />,
  editWebhook: ({ id }) => <WebhookFormScreen webhookId={id} />,
  webhook: ({ id }) => <WebhookDetailScreen webhookId={id} />,
  deliveries: () => <DeliveriesScreen />,
  delivery: ({ id }) => <DeliveryDetailScreen deliveryId={id} />,
  failureLogs: () => <FailureLogsScreen />,
  failureLog: ({ id }) => <FailureLogDetailScreen logId={id} />,
  rejectedEvents: () => <RejectedEventsScreen />,
  eventTypes: () => <EventTypesScreen />,
};

function Screen({ path }: { path: string }) {
  const route = matchRoute(path);
  if (route) {
    // One cast where TypeScript cannot correlate the union's name with its parameters.
    const render = SCREENS[route.name] as (params: RouteMatch['params']) => ReactNode;
    return <>{render(route.params)}</>;
  }
  return (
    <>
      <ScreenHeading>Not found</ScreenHeading>
      <p>
        There is no screen at {path}. <Link href={pathTo('home')}>Back to webhooks</Link>
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
        <ScreenHeading>This link has expired — reopen it from your admin</ScreenHeading>
        <p>For your security, each link opens the webhook screens once and for a limited time.</p>
      </main>
    );
  }
  if (!signedIn) {
    return (
      <ConsoleContext.Provider value={context}>
        <SignInScreen
          onSignedIn={() => {
            // The first screen's heading takes focus, so keyboard and screen-reader users start there.
            requestHeadingFocus();
            setSignedIn(true);
          }}
        />
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
            {/* Keyed by path: each screen starts afresh, and its heading mounts (and takes focus) anew. */}
            <Screen key={path} path={path} />
          </main>
        </NoticeProvider>
      </QueryClientProvider>
    </ConsoleContext.Provider>
  );
}
