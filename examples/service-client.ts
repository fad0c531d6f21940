/**
 * What the two example scripts share: where the local service is and the admin token to call it
 * with. Both run against `npm start` on this machine; nothing here is used by the service itself.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type LocalAwsKey, readLocalAwsKey } from '#local/aws-caller-key';

/** The service's base URL: `SERVICE_URL`, else `npm start`'s default `http://127.0.0.1:3000`. */
export function serviceUrl(env: NodeJS.ProcessEnv = process.env): string {
  return (env.SERVICE_URL ?? 'http://127.0.0.1:3000').replace(/\/+$/, '');
}

/**
 * The admin token: `ADMIN_TOKEN`, else the dev token `npm start` generated under `DATA_DIR`
 * (default `.data`). Throws a message saying what to do when there is neither.
 */
export async function adminToken(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if (env.ADMIN_TOKEN) return env.ADMIN_TOKEN;
  const path = join(env.DATA_DIR ?? '.data', 'dev-admin-token');
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch {
    throw new Error(
      `no admin token: start the service first (npm start writes its dev token to ${path}, unless ` +
        'ADMIN_TOKENS is set: then pass one of those tokens as ADMIN_TOKEN, with TENANT_ID its tenant)',
    );
  }
}

/**
 * The access key pair the local ingest checks PutEvents signatures against: the one `npm start`
 * made under `DATA_DIR` (default `.data`). Throws a message saying what to do when there is none.
 */
export async function ingestKey(env: NodeJS.ProcessEnv = process.env): Promise<LocalAwsKey> {
  const dataDir = env.DATA_DIR ?? '.data';
  const key = await readLocalAwsKey(dataDir);
  if (!key) {
    throw new Error(
      `no ingest key: start the service first (npm start writes its access key pair to ${join(dataDir, 'local-aws-key.json')})`,
    );
  }
  return key;
}

/** Calls the admin API and returns the parsed JSON body; throws the API's error message on a non-2xx. */
export async function callApi<T>(
  base: string,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  let response: Response;
  try {
    response = await fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch {
    throw new Error(`the service does not answer at ${base}: is npm start running?`);
  }
  const text = await response.text();
  const parsed = text === '' ? undefined : (JSON.parse(text) as unknown);
  if (!response.ok) {
    const error = (parsed as { error?: { message?: string; details?: unknown } } | undefined)?.error;
    throw new Error(
      `${method} ${path} answered ${response.status}: ${error?.message ?? text}${
        error?.details ? ` ${JSON.stringify(error.details)}` : ''
      }`,
    );
  }
  return parsed as T;
}
