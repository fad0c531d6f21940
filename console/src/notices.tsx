/** One polite live region for the outcome of actions ("Webhook deactivated"), announced by screen readers. */
import { createContext, type ReactNode, useCallback, useContext, useState } from 'react';

/** The next thing to do about a notice, offered as a button beside it (e.g. "Activate"). */
export type NoticeAction = { label: string; run: () => void };
type Notice = { text: string; tone: 'ok' | 'error'; action?: NoticeAction | undefined };
const NoticeContext = createContext<(text: string, tone?: Notice['tone'], action?: NoticeAction) => void>(
  () => undefined,
);

export function NoticeProvider({ children }: { children: ReactNode }) {
  const [notice, setNotice] = useState<Notice | undefined>();
  const show = useCallback(
    (text: string, tone: Notice['tone'] = 'ok', action?: NoticeAction) => setNotice({ text, tone, action }),
    [],
  );
  return (
    <NoticeContext.Provider value={show}>
      <div className="notice-area" role="status" aria-live="polite">
        {notice && (
          <p className={`notice notice-${notice.tone}`}>
            {notice.text}{' '}
            {notice.action && (
              <button
                type="button"
                className="button secondary"
                onClick={() => {
                  const { run } = notice.action!;
                  setNotice(undefined);
                  run();
                }}
              >
                {notice.action.label}
              </button>
            )}{' '}
            <button type="button" className="link-button" onClick={() => setNotice(undefined)}>
              Dismiss
            </button>
          </p>
        )}
      </div>
      {children}
    </NoticeContext.Provider>
  );
}

/** Shows a message in the live region. */
export function useNotice() {
  return useContext(NoticeContext);
}
