/**
 * Serves the built admin console (console/dist, docs/contract.md#console) on the local runtime's port:
 * `GET`/`HEAD` of any path outside the admin API (`/v1`, `/health`). Files are served only from
 * inside the build directory (no traversal, no dotfiles); a path without a file extension gets
 * index.html (the console routes in the browser); a missing file with an extension is a 404.
 * Every answer carries the same strict security headers CloudFront adds on AWS.
 */
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { PORTAL_API_PREFIX, PORTAL_CONSOLE_PATH } from '#domain/portal';

/** What the console reads from `/config.json` locally (console/src/config.ts): this origin, token sign-in. */
export const LOCAL_CONSOLE_CONFIG = { apiUrl: '', auth: { mode: 'token' } } as const;

/** The console's CSP: everything from this origin only, nothing inline, never framed. */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

/**
 * The CSP of the console in portal mode: the console's own, except that the origins in
 * PORTAL_ALLOWED_ORIGINS (and only they) may frame it. No origin listed: nobody may.
 */
export function portalCsp(allowedOrigins: readonly string[]): string {
  const ancestors = allowedOrigins.length > 0 ? allowedOrigins.join(' ') : "'none'";
  return CONSOLE_CSP.replace("frame-ancestors 'none'", `frame-ancestors ${ancestors}`);
}

/** Whether a console path is portal mode's document (the only one that may be framed). */
export function isPortalDocumentPath(path: string): boolean {
  // Every screen of portal mode lives under /portal (its API under /portal/v1 is no document).
  return path === PORTAL_CONSOLE_PATH || (path.startsWith(`${PORTAL_CONSOLE_PATH}/`) && extname(path) === '');
}

/** Headers on every console answer (the local twin of the CloudFront response headers policy). */
export const CONSOLE_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONSOLE_CSP,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=()',
};

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

export interface ConsoleFileResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** Whether a request belongs to the console rather than the admin API, `/health` or an AWS protocol. */
export function isConsoleRequest(method: string, path: string): boolean {
  if (method !== 'GET' && method !== 'HEAD') return false;
  const api = ['/v1', `${PORTAL_API_PREFIX}/v1`, '/health'];
  return !api.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));
}

function text(statusCode: number, message: string): ConsoleFileResponse {
  return {
    statusCode,
    headers: {
      ...CONSOLE_SECURITY_HEADERS,
      'content-type': 'text/plain; charset=utf-8',
      'cache-control': 'no-store',
    },
    body: Buffer.from(`${message}\n`),
  };
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/**
 * Answers one console request for `urlPath` (the request target, query included) from `root`
 * (an absolute directory). Callers check `isConsoleRequest` first.
 */
export async function serveConsoleFile(
  root: string,
  urlPath: string,
  portalAllowedOrigins: readonly string[] = [],
): Promise<ConsoleFileResponse> {
  const rawPath = urlPath.split('?')[0]!.split('#')[0]!;
  if (isPortalDocumentPath(rawPath)) {
    // Portal mode is the console's own index.html under a path the server can tell apart: the
    // session token rides in the fragment, which never reaches a server.
    const page = await serveConsoleFile(root, '/', portalAllowedOrigins);
    if (page.statusCode !== 200) return page;
    const { 'x-frame-options': _deny, ...headers } = page.headers;
    return { ...page, headers: { ...headers, 'content-security-policy': portalCsp(portalAllowedOrigins) } };
  }
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return text(400, 'Malformed path');
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return text(400, 'Malformed path');
  const relative = normalize(decoded).replace(/^([/\\])+/, '');
  const segments = relative.split(/[/\\]/);
  // `normalize` resolves `..`; one left at the start would climb out of root. Dotfiles (the build
  // stamp, anything hidden) are never served.
  if (segments.some((segment) => segment === '..' || segment.startsWith('.'))) return text(404, 'Not found');
  const base = normalize(root + sep);
  let file = join(base, relative);
  if (!file.startsWith(base)) return text(404, 'Not found');

  const index = join(base, 'index.html');
  if (!(await isFile(index))) {
    return text(503, 'The admin console is not built: run `npm run build:console` (npm start does it too).');
  }
  if (relative === 'config.json' && !(await isFile(file))) {
    // The local runtime's own settings: same-origin API, admin-token sign-in. (On AWS the stack writes
    // the file with the API URL and OIDC settings.) Served rather than left to 404, which a browser
    // reports as an error on every page load.
    return {
      statusCode: 200,
      headers: {
        ...CONSOLE_SECURITY_HEADERS,
        'content-type': 'application/json',
        'cache-control': 'no-cache',
      },
      body: Buffer.from(JSON.stringify(LOCAL_CONSOLE_CONFIG)),
    };
  }
  if (relative === '' || !(await isFile(file))) {
    // Browser routes (/webhooks/wh_1) have no extension; a missing asset does.
    if (extname(relative) !== '') return text(404, 'Not found');
    file = index;
  }
  const type = CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
  const isHashedAsset = file.startsWith(join(base, 'assets') + sep);
  return {
    statusCode: 200,
    headers: {
      ...CONSOLE_SECURITY_HEADERS,
      'content-type': type,
      // Hashed file names never change content; index.html must be re-checked to pick up new builds.
      'cache-control': isHashedAsset ? 'public, max-age=31536000, immutable' : 'no-cache',
    },
    body: await readFile(file),
  };
}
