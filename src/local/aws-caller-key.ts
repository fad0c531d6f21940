/**
 * Who may call the local AWS-compatible endpoints (the PutEvents ingest on PORT, the opt-in
 * LOCAL_SQS_PORT): the holder of this DATA_DIR's access key pair, proven by an AWS Signature
 * Version 4 on each request, as EventBridge and SQS prove it on AWS (docs/contract.md#local-runtime).
 * Without it any process on the machine could publish events for any tenant, forge the service's
 * own `chat.webhooks` notices, or hand the delivery queue a task the service would sign with another
 * tenant's secret.
 *
 * The pair is made at first start and kept 0600 under DATA_DIR, so restarts keep it; the start-up
 * banner shows it, as it shows the dev token. The signature is recomputed with `@smithy/signature-v4`
 * and the SHA-256 of `@smithy/core/checksum` (the signer and hash the AWS SDK's own clients run, on
 * node:crypto) over the request as received, for the presented access key, and compared in constant
 * time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import type { IncomingHttpHeaders } from 'node:http';
import { join } from 'node:path';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import type { ProtocolResponse } from './eventbridge-ingest';

/** The access key pair the local endpoints accept. */
export interface LocalAwsKey {
  accessKeyId: string;
  secretAccessKey: string;
}

/** The file under DATA_DIR that holds the pair (0600). */
export const LOCAL_AWS_KEY_FILE = 'local-aws-key.json';

/** How far a request's `X-Amz-Date` may be from now, either way (AWS allows 5 minutes). */
export const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;

/** This DATA_DIR's key pair, made on first use. */
export async function loadLocalAwsKey(dataDir: string): Promise<LocalAwsKey> {
  const path = join(dataDir, LOCAL_AWS_KEY_FILE);
  await mkdir(dataDir, { recursive: true });
  const fresh: LocalAwsKey = {
    // 20 characters of A-Z and 0-9, the shape of an AWS access key id, so tools that check it pass.
    accessKeyId: `LOCAL${randomBytes(10).toString('hex').toUpperCase().slice(0, 15)}`,
    secretAccessKey: randomBytes(30).toString('base64url'),
  };
  try {
    await writeFile(path, `${JSON.stringify(fresh)}\n`, { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const stored = JSON.parse(await readFile(path, 'utf8')) as Partial<LocalAwsKey>;
  if (typeof stored.accessKeyId !== 'string' || typeof stored.secretAccessKey !== 'string') {
    throw new Error(`${path} does not hold an access key pair; delete it to have a new one made`);
  }
  return { accessKeyId: stored.accessKeyId, secretAccessKey: stored.secretAccessKey };
}

/**
 * The pair a started service made under `dataDir`, for another process of the same user (the
 * examples, `npm run verify -- --local`); undefined when the service never ran there.
 */
export async function readLocalAwsKey(dataDir: string): Promise<LocalAwsKey | undefined> {
  try {
    const stored = JSON.parse(
      await readFile(join(dataDir, LOCAL_AWS_KEY_FILE), 'utf8'),
    ) as Partial<LocalAwsKey>;
    if (typeof stored.accessKeyId !== 'string' || typeof stored.secretAccessKey !== 'string')
      return undefined;
    return { accessKeyId: stored.accessKeyId, secretAccessKey: stored.secretAccessKey };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** The part of an incoming HTTP request a signature covers. */
export interface SignedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** Why a request is refused, in the AWS error shape; undefined when its signature holds. */
export type CallerVerdict = ProtocolResponse | undefined;

const AUTHORIZATION_PATTERN =
  /^AWS4-HMAC-SHA256 Credential=([^,\s]+),\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$/;
const AMZ_DATE_PATTERN = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/**
 * Checks a request's SigV4 signature for `service` against `key`: the access key must be this
 * DATA_DIR's, the scope this service's, the date within MAX_CLOCK_SKEW_MS of `now`, the host, date,
 * target and payload signed, and the signature the one `key` makes over the request as received.
 */
export async function verifyAwsCaller(
  request: SignedRequest,
  key: LocalAwsKey,
  service: 'events' | 'sqs',
  now: Date = new Date(),
): Promise<CallerVerdict> {
  const authorization = single(request.headers.authorization);
  if (authorization === undefined) {
    return refusal('MissingAuthenticationTokenException', 'Missing Authentication Token');
  }
  const match = AUTHORIZATION_PATTERN.exec(authorization);
  if (!match) {
    return refusal(
      'IncompleteSignatureException',
      'The Authorization header is not an AWS4-HMAC-SHA256 signature.',
    );
  }
  const [, credential, signedHeaderList, presentedSignature] = match as unknown as [
    string,
    string,
    string,
    string,
  ];
  const scope = credential.split('/');
  const [accessKeyId, scopeDate, region, scopeService, terminator] = scope;
  if (scope.length !== 5 || terminator !== 'aws4_request' || !region || !/^[a-z0-9-]+$/.test(region)) {
    return refusal('IncompleteSignatureException', 'The credential scope is malformed.');
  }
  if (!sameText(accessKeyId ?? '', key.accessKeyId)) {
    return refusal('UnrecognizedClientException', 'The security token included in the request is invalid.');
  }
  if (scopeService !== service) {
    return refusal(
      'InvalidSignatureException',
      `Credential should be scoped to correct service: '${service}'.`,
    );
  }
  const amzDate = single(request.headers['x-amz-date']) ?? '';
  const signingDate = parseAmzDate(amzDate);
  if (signingDate === undefined || amzDate.slice(0, 8) !== scopeDate) {
    return refusal(
      'IncompleteSignatureException',
      'X-Amz-Date is missing, malformed or outside the credential scope.',
    );
  }
  if (Math.abs(now.getTime() - signingDate.getTime()) > MAX_CLOCK_SKEW_MS) {
    return refusal(
      'InvalidSignatureException',
      `Signature expired: ${amzDate} is more than 5 minutes from the service's time ${formatAmzDate(now)}.`,
    );
  }
  const signedHeaders = signedHeaderList.split(';');
  const mustSign = ['host', 'x-amz-date', ...(request.headers['x-amz-target'] ? ['x-amz-target'] : [])];
  const unsigned = mustSign.find((name) => !signedHeaders.includes(name));
  if (unsigned !== undefined) {
    return refusal('IncompleteSignatureException', `The signature must cover the ${unsigned} header.`);
  }
  const headers: Record<string, string> = {};
  for (const name of signedHeaders) {
    const value = request.headers[name];
    if (value === undefined) {
      return refusal('IncompleteSignatureException', `The signed header ${name} is not in the request.`);
    }
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  // The signer takes a presented payload hash on trust: hold it to the body actually received.
  const claimedPayloadHash = headers['x-amz-content-sha256'];
  if (
    claimedPayloadHash !== undefined &&
    claimedPayloadHash !== createHash('sha256').update(request.body).digest('hex')
  ) {
    return refusal('InvalidSignatureException', 'X-Amz-Content-Sha256 does not match the request body.');
  }
  const url = new URL(request.url, 'http://localhost');
  const query: Record<string, string | string[]> = {};
  for (const name of new Set(url.searchParams.keys())) {
    const values = url.searchParams.getAll(name);
    query[name] = values.length === 1 ? values[0]! : values;
  }
  const signer = new SignatureV4({
    service,
    region,
    credentials: { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey },
    sha256: Sha256,
    applyChecksum: false,
  });
  const signed = await signer.sign(
    {
      method: request.method,
      protocol: 'http:',
      hostname: url.hostname,
      path: url.pathname,
      query,
      headers,
      body: request.body,
    },
    {
      signingDate,
      signingRegion: region,
      signingService: service,
      signableHeaders: new Set(signedHeaders),
    },
  );
  const expected = /Signature=([0-9a-f]{64})$/.exec(String(signed.headers.authorization ?? ''))?.[1] ?? '';
  const expectedList = /SignedHeaders=([^,\s]+)/.exec(String(signed.headers.authorization ?? ''))?.[1];
  if (expectedList !== signedHeaderList || !sameText(presentedSignature, expected)) {
    return refusal(
      'InvalidSignatureException',
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.',
    );
  }
  return undefined;
}

/** A 403 in the AWS JSON shape (`__type`), which the SDK raises as the named exception. */
function refusal(type: string, message: string): ProtocolResponse {
  return {
    statusCode: 403,
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amzn-errortype': type,
      'x-amzn-requestid': crypto.randomUUID(),
    },
    body: JSON.stringify({ __type: type, message }),
  };
}

function single(value: string | string[] | undefined): string | undefined {
  if (Array.isArray(value)) return value.length === 1 ? value[0] : undefined;
  return value;
}

/** Equal texts, compared in time that does not depend on where they differ. */
function sameText(presented: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(presented), digest(expected));
}

function parseAmzDate(text: string): Date | undefined {
  const parts = AMZ_DATE_PATTERN.exec(text);
  if (!parts) return undefined;
  const [, year, month, day, hour, minute, second] = parts.map(Number) as number[];
  const date = new Date(Date.UTC(year!, month! - 1, day!, hour!, minute!, second!));
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function formatAmzDate(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}
