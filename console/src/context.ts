/** The API client and session, available to every screen. */
import { createContext, useContext } from 'react';
import type { ApiClient } from './api/client';
import type { Session } from './auth/session';

export const ConsoleContext = createContext<{ api: ApiClient; session: Session } | undefined>(undefined);

export function useConsole() {
  const value = useContext(ConsoleContext);
  if (!value) throw new Error('ConsoleContext missing');
  return value;
}

/** A readable message for any error the API client throws. */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
