/**
 * SigV4 headers for a hand-made AWS call to the local runtime (raw bodies the SDK would not send):
 * signed as the SDK signs, with the DATA_DIR key pair the local endpoints check.
 */
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import type { LocalAwsKey } from '#local/aws-caller-key';

/** The headers (host, x-amz-date, authorization, …) of a POST / to `baseUrl` carrying `body`. */
export async function signedAwsHeaders(
  baseUrl: string,
  key: LocalAwsKey,
  body: string | Buffer,
  options: { target: string; service?: string; signingDate?: Date },
): Promise<Record<string, string>> {
  const { hostname, port } = new URL(baseUrl);
  const signer = new SignatureV4({
    service: options.service ?? 'events',
    region: 'us-east-1',
    credentials: { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey },
    sha256: Sha256,
  });
  const signed = await signer.sign(
    {
      method: 'POST',
      protocol: 'http:',
      hostname,
      port: Number(port),
      path: '/',
      headers: {
        host: `${hostname}:${port}`,
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': options.target,
      },
      body,
    },
    options.signingDate ? { signingDate: options.signingDate } : {},
  );
  return signed.headers;
}
