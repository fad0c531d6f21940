/**
 * Portal mode: the console opened by a link the chat platform minted, framed in its admin app. The
 * link's token lives only in the URL fragment (never sent in a request line or a Referer); it is read
 * once, removed from the address bar at once, and exchanged once for a short-lived session kept in
 * sessionStorage. The link may also carry an accent colour and a scheme (light, dark or auto), applied
 * through CSS custom properties: nothing is loaded, nothing inline.
 */
import type { ConsoleConfig } from '../config';
import type { Session } from './session';

/** The path portal mode lives under (the only console path another origin may frame). */
export const PORTAL_PATH = '/portal';

const SESSION_KEY = 'chat-webhooks.portal-session';

const memory = new Map<string, string>();

/**
 * This tab's sessionStorage, or an in-memory stand-in where the browser denies storage to a framed
 * document of another site (third-party storage blocked): then a reload needs a new link, which the
 * host mints on every load anyway.
 */
function tabStorage(): Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> {
  try {
    const storage = window.sessionStorage;
    storage.getItem(SESSION_KEY);
    return storage;
  } catch {
    return {
      getItem: (key) => memory.get(key) ?? null,
      setItem: (key, value) => void memory.set(key, value),
      removeItem: (key) => void memory.delete(key),
    };
  }
}
const LOOK_KEY = 'chat-webhooks.portal-look';

interface PortalSessionState {
  sessionToken: string;
  expiresAt: string;
  tenantId: string;
  capabilities: string[];
  brandIds: string[] | null;
}

/** The look a link asks for. */
export interface PortalLook {
  accent?: string;
  scheme?: 'light' | 'dark' | 'auto';
}

/** Whether this document is portal mode. */
export function isPortalMode(): boolean {
  const { pathname } = window.location;
  return pathname === PORTAL_PATH || pathname.startsWith(`${PORTAL_PATH}/`);
}

/**
 * Reads the fragment (`#token=…&accent=…&scheme=…`) and removes it from the address bar before
 * anything else happens, so it is in no history entry, reload or link the page makes.
 */
export function takeFragment(): { token?: string; look: PortalLook } {
  const fragment = new URLSearchParams(window.location.hash.slice(1));
  if (window.location.hash !== '') {
    window.history.replaceState(null, '', `${window.location.pathname}${window.location.search}`);
  }
  const token = fragment.get('token') ?? undefined;
  const accent = fragment.get('accent') ?? undefined;
  const scheme = fragment.get('scheme') ?? undefined;
  const look: PortalLook = {
    ...(accent && /^#?[0-9a-fA-F]{6}$/.test(accent)
      ? { accent: accent.startsWith('#') ? accent : `#${accent}` }
      : {}),
    ...(scheme === 'light' || scheme === 'dark' || scheme === 'auto' ? { scheme } : {}),
  };
  return { ...(token ? { token } : {}), look };
}

/** The look of this tab: the link's, else the one remembered from its first load. */
export function applyLook(fromLink: PortalLook): void {
  let look = fromLink;
  if (look.accent || look.scheme) tabStorage().setItem(LOOK_KEY, JSON.stringify(look));
  else look = JSON.parse(tabStorage().getItem(LOOK_KEY) ?? '{}') as PortalLook;
  const root = document.documentElement;
  if (look.scheme === 'light' || look.scheme === 'dark') root.dataset.scheme = look.scheme;
  if (look.accent) {
    // One accent per scheme, each moved just far enough to keep text contrast (WCAG AA) on its surfaces.
    const light = readableOn(look.accent, ['#ffffff', '#f4f6f8'], 'darken');
    const dark = readableOn(look.accent, ['#121417', '#1e2226'], 'lighten');
    root.style.setProperty('--portal-accent-light', light);
    root.style.setProperty('--portal-accent-text-light', textOn(light));
    root.style.setProperty('--portal-accent-dark', dark);
    root.style.setProperty('--portal-accent-text-dark', textOn(dark));
    root.dataset.accent = 'custom';
  }
}

/**
 * The portal session: the stored one, or the link's token exchanged for a new one. Undefined when
 * there is none to use: the link was replayed, expired or revoked.
 */
export async function portalSession(config: ConsoleConfig, token: string | undefined): Promise<Session> {
  let state = readState();
  if (token) {
    tabStorage().removeItem(SESSION_KEY);
    state = undefined;
    const response = await fetch(`${config.apiUrl.replace(/\/+$/, '')}/v1/portal-sessions/exchange`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token }),
      credentials: 'omit',
      referrerPolicy: 'no-referrer',
    });
    if (response.ok) {
      state = (await response.json()) as PortalSessionState;
      tabStorage().setItem(SESSION_KEY, JSON.stringify(state));
    }
  }
  const live = () => state !== undefined && Date.parse(state.expiresAt) > Date.now();
  return {
    mode: 'portal',
    canManage: state?.capabilities.includes('manage') ?? false,
    async token() {
      return live() ? state?.sessionToken : undefined;
    },
    isSignedIn: live,
    async signIn() {
      throw new Error('This link has expired — reopen it from your admin');
    },
    async signOut() {
      tabStorage().removeItem(SESSION_KEY);
      state = undefined;
    },
  };
}

function readState(): PortalSessionState | undefined {
  try {
    const value = JSON.parse(tabStorage().getItem(SESSION_KEY) ?? 'null') as PortalSessionState | null;
    return value && typeof value.sessionToken === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

type Rgb = [number, number, number];

function parse(hex: string): Rgb {
  const value = Number.parseInt(hex.slice(1), 16);
  return [(value >> 16) & 255, (value >> 8) & 255, value & 255];
}

function format([r, g, b]: Rgb): string {
  return `#${[r, g, b].map((part) => Math.round(part).toString(16).padStart(2, '0')).join('')}`;
}

function luminance([r, g, b]: Rgb): number {
  const channel = (value: number) => {
    const c = value / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
}

function contrast(a: Rgb, b: Rgb): number {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (light + 0.05) / (dark + 0.05);
}

/** `hex` moved towards black or white until it reads at 4.6:1 on every one of `surfaces`. */
function readableOn(hex: string, surfaces: string[], direction: 'darken' | 'lighten'): string {
  const target = direction === 'darken' ? 0 : 255;
  const base = parse(hex);
  for (let step = 0; step <= 20; step++) {
    const mix = step / 20;
    const color = base.map((part) => part + (target - part) * mix) as Rgb;
    if (surfaces.every((surface) => contrast(color, parse(surface)) >= 4.6)) return format(color);
  }
  return direction === 'darken' ? '#000000' : '#ffffff';
}

/** Black or white, whichever reads better on `hex` (at least 4.58:1 for any colour). */
function textOn(hex: string): string {
  const color = parse(hex);
  return contrast(color, [0, 0, 0]) >= contrast(color, [255, 255, 255]) ? '#000000' : '#ffffff';
}
