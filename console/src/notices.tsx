/** One polite live region for the outcome of actions ("Webhook deactivated"), announced by screen readers. */
import { createContext, type ReactNode, useCallback, useContext, useState } from 'react';

type Notice = { text: string; tone: 'ok' | 'error' };
const NoticeContext = createContext<(text: string, tone?: Notice['tone']) => void>(() => undefined);

export function NoticeProvider({ children }: { children: ReactNode }) {
  const [notice, setNotice] = useState<Notice | undefined>();
  const show = useCallback((text: string, tone: Notice['tone'] = 'ok') => setNotice({ text, tone }), []);
  return (
    <NoticeContext.Provider value={show}>
      <div className="notice-area" role="status" aria-live="polite">
        {notice && (
          <p className={`notice notice-${notice.tone}`}>
            {notice.text}{' '}
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
