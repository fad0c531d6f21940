/** A tiny history-API router: the console has a handful of screens and needs no library for them. */
import { type AnchorHTMLAttributes, type MouseEvent, useEffect, useRef, useSyncExternalStore } from 'react';

const listeners = new Set<() => void>();

/** The path the console lives under: '' normally, `/portal` in portal mode (the server frames only that). */
let base = '';

/** Sets the base path once, before the first render. */
export function setRouterBase(path: string): void {
  base = path;
}

/** `path` (a console path such as `/webhooks/wh_1`) as the browser's address. */
export function hrefOf(path: string): string {
  return base === '' ? path : `${base}${path === '/' ? '' : path}`;
}

function consolePath(): string {
  const { pathname } = window.location;
  if (base === '' || !pathname.startsWith(base)) return pathname;
  return pathname.slice(base.length) || '/';
}

/** Goes to `path` (same origin) and tells every subscriber. */
export function navigate(path: string, options: { replace?: boolean } = {}): void {
  if (options.replace) window.history.replaceState(null, '', hrefOf(path));
  else window.history.pushState(null, '', hrefOf(path));
  for (const listener of listeners) listener();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  window.addEventListener('popstate', listener);
  return () => {
    listeners.delete(listener);
    window.removeEventListener('popstate', listener);
  };
}

/** The current path, re-rendering on navigation. */
export function usePath(): string {
  return useSyncExternalStore(subscribe, consolePath);
}

/** A same-origin link that navigates without a reload (modified clicks keep the browser's behaviour). */
export function Link({ href, onClick, ...rest }: AnchorHTMLAttributes<HTMLAnchorElement> & { href: string }) {
  const handle = (event: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(event);
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey)
      return;
    event.preventDefault();
    navigate(href);
  };
  return <a href={hrefOf(href)} onClick={handle} {...rest} />;
}

/** Matches `path` against `pattern` (`/webhooks/:id`), returning the parameters or undefined. */
export function match(pattern: string, path: string): Record<string, string> | undefined {
  const names: string[] = [];
  const regex = new RegExp(
    `^${pattern.replace(/:([a-z]+)/gi, (_all, name: string) => {
      names.push(name);
      return '([^/]+)';
    })}/?$`,
  );
  const found = regex.exec(path);
  if (!found) return undefined;
  return Object.fromEntries(names.map((name, index) => [name, decodeURIComponent(found[index + 1] ?? '')]));
}

/** Moves focus to the screen's heading after navigation, so screen readers announce the new screen. */
export function useFocusOnNavigate(path: string): void {
  const previous = useRef(path);
  useEffect(() => {
    if (previous.current === path) return;
    previous.current = path;
    document.querySelector<HTMLElement>('main h1')?.focus();
  }, [path]);
}

/**
 * One query-string parameter as state, so filters live in the URL (a reload or a shared link shows
 * the same list). Setting it replaces the history entry: typing a filter does not fill the back button.
 */
export function useSearchParam(name: string): [string, (value: string) => void] {
  const search = useSyncExternalStore(subscribe, () => window.location.search);
  const value = new URLSearchParams(search).get(name) ?? '';
  const set = (next: string) => {
    const params = new URLSearchParams(window.location.search);
    if (next === '') params.delete(name);
    else params.set(name, next);
    const query = params.toString();
    navigate(`${consolePath()}${query ? `?${query}` : ''}`, { replace: true });
  };
  return [value, set];
}
