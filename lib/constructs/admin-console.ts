import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DefaultStackSynthesizer, Duration, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';

/** Settings of the admin console's hosting. */
export interface AdminConsoleProps {
  /** The built console (console/dist, made by `npm ci`/`npm run build:console`). */
  readonly assetPath: string;
  /** The OIDC issuer the console signs in against (the admin API's JWT issuer), an https URL. */
  readonly oidcIssuer: string;
  /**
   * Further origins the browser must reach, e.g. an IdP whose token endpoint is on another host
   * than its issuer (Cognito's hosted domain).
   * @default none
   */
  readonly extraConnectSources?: readonly string[];
  /**
   * https origins that may frame the tenant portal (`/portal*`, CSP `frame-ancestors`), e.g. the
   * platform's admin app `https://admin.example.com`; every other path stays unframeable.
   * @default none: the portal is unframeable too
   */
  readonly portalAllowedOrigins?: readonly string[];
}

/** What the console reads from `/config.json` (console/src/config.ts). */
export interface AdminConsoleSettings {
  /** Base URL of the admin API (the HTTP API stage URL). */
  readonly apiUrl: string;
  /** OIDC client id of the console (a public client: authorization code + PKCE, no secret). */
  readonly clientId: string;
  /** @default 'openid profile email' */
  readonly scope?: string;
}

/** The origin (scheme://host[:port]) of an https URL; throws on anything else. */
function httpsOrigin(url: string, what: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`AdminConsole: ${what} must be an https URL, got "${url}"`);
  }
  if (parsed.protocol !== 'https:')
    throw new Error(`AdminConsole: ${what} must be an https URL, got "${url}"`);
  return parsed.origin;
}

/**
 * Origins the browser posts to at sign-in besides the issuer's own. Cognito's issuer is
 * `https://cognito-idp.<region>.amazonaws.com/<pool>`, but its discovery document names the token
 * endpoint on the user pool's domain, `https://<prefix>.auth.<region>.amazoncognito.com`; a custom
 * domain is not knowable from the issuer and goes in `extraConnectSources`.
 */
export function tokenEndpointsOf(issuer: string): string[] {
  const cognito = /^https:\/\/cognito-idp\.([a-z0-9-]+)\.amazonaws\.com\//.exec(issuer);
  return cognito ? [`https://*.auth.${cognito[1]}.amazoncognito.com`] : [];
}

/**
 * The CDK bootstrap assets bucket's ARN as cdk-nag prints it: with the account and region literal
 * when the stack has them (as `cdk deploy` synthesises it) and as pseudo parameters when it does not.
 */
function bootstrapAssetsBucket(stack: Stack): string {
  const synthesizer = stack.synthesizer;
  const qualifier =
    (synthesizer instanceof DefaultStackSynthesizer ? synthesizer.bootstrapQualifier : undefined) ??
    DefaultStackSynthesizer.DEFAULT_QUALIFIER;
  const account = Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account;
  const region = Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region;
  // A known region also fixes the partition, which the ARN then spells literally (`aws`).
  const partition = Token.isUnresolved(stack.partition) ? '<AWS::Partition>' : stack.partition;
  return `arn:${partition}:s3:::cdk-${qualifier}-assets-${account}-${region}`;
}

/**
 * The admin console on AWS (docs/contract.md#console): the built static files in a private, encrypted,
 * TLS-only S3 bucket, served by CloudFront through origin access control, with a response headers
 * policy (strict CSP, HSTS, no framing, nosniff). `publish()` uploads the files together with the
 * `/config.json` the console reads its API URL and OIDC settings from.
 */
export class AdminConsole extends Construct {
  public readonly bucket: s3.Bucket;
  public readonly distribution: cloudfront.Distribution;
  public readonly headersPolicy: cloudfront.ResponseHeadersPolicy;
  /** `https://<distribution domain>`: the only origin the admin API allows with CORS. */
  public readonly origin: string;
  private readonly assetPath: string;
  private readonly oidcIssuer: string;

  constructor(scope: Construct, id: string, props: AdminConsoleProps) {
    super(scope, id);
    if (!existsSync(join(props.assetPath, 'index.html'))) {
      throw new Error(
        `AdminConsole: no built console at ${props.assetPath} (index.html missing): run \`npm run build:console\``,
      );
    }
    this.assetPath = props.assetPath;
    this.oidcIssuer = props.oidcIssuer;
    const issuerOrigin = httpsOrigin(props.oidcIssuer, 'oidcIssuer');
    const extra = (props.extraConnectSources ?? []).map((source) =>
      httpsOrigin(source, 'extraConnectSources'),
    );

    this.bucket = new s3.Bucket(this, 'Files', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: false,
      // Build output only: the next deploy re-creates every file.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // The API's stage URL cannot appear here: the API's CORS rule names this distribution, and
    // CloudFormation refuses the cycle. Execute-api hosts of this stack's region are the bound.
    const connectSources = [
      "'self'",
      `https://*.execute-api.${Stack.of(this).region}.amazonaws.com`,
      issuerOrigin,
      ...tokenEndpointsOf(props.oidcIssuer),
      ...extra,
    ];
    const portalAncestors = (props.portalAllowedOrigins ?? []).map((source) =>
      httpsOrigin(source, 'portalAllowedOrigins'),
    );
    const cspFramedBy = (ancestors: string) =>
      [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        `connect-src ${[...new Set(connectSources)].join(' ')}`,
        "manifest-src 'self'",
        "base-uri 'none'",
        "form-action 'self'",
        `frame-ancestors ${ancestors}`,
        "object-src 'none'",
      ].join('; ');
    const csp = cspFramedBy("'none'");

    // CloudFront names are global to the account: the region in them lets the same stack deploy in a
    // second region (a generated name would be the same in both).
    const globalName = (what: string) => `${Stack.of(this).stackName}-${what}-${Stack.of(this).region}`;
    this.headersPolicy = new cloudfront.ResponseHeadersPolicy(this, 'SecurityHeaders', {
      responseHeadersPolicyName: globalName('console-headers'),
      comment: 'chat-webhooks admin console: strict CSP, HSTS, no framing, nosniff',
      securityHeadersBehavior: {
        contentSecurityPolicy: { contentSecurityPolicy: csp, override: true },
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(730),
          includeSubdomains: true,
          preload: true,
          override: true,
        },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        contentTypeOptions: { override: true },
        referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.NO_REFERRER, override: true },
      },
    });

    // Portal mode may be framed by the platform's origins only: its own policy, without
    // X-Frame-Options (DENY would override frame-ancestors in older browsers).
    const portalHeadersPolicy =
      portalAncestors.length > 0
        ? new cloudfront.ResponseHeadersPolicy(this, 'PortalSecurityHeaders', {
            responseHeadersPolicyName: globalName('portal-headers'),
            comment: 'chat-webhooks tenant portal: strict CSP, framed only by the platform origins',
            securityHeadersBehavior: {
              contentSecurityPolicy: {
                contentSecurityPolicy: cspFramedBy([...new Set(portalAncestors)].join(' ')),
                override: true,
              },
              strictTransportSecurity: {
                accessControlMaxAge: Duration.days(730),
                includeSubdomains: true,
                preload: true,
                override: true,
              },
              contentTypeOptions: { override: true },
              referrerPolicy: {
                referrerPolicy: cloudfront.HeadersReferrerPolicy.NO_REFERRER,
                override: true,
              },
            },
          })
        : undefined;
    const filesOrigin = origins.S3BucketOrigin.withOriginAccessControl(this.bucket, {
      originAccessControl: new cloudfront.S3OriginAccessControl(this, 'OriginAccess', {
        originAccessControlName: globalName('console'),
      }),
    });
    const behavior = (headers: cloudfront.IResponseHeadersPolicy): cloudfront.BehaviorOptions => ({
      origin: filesOrigin,
      viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
      cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
      responseHeadersPolicy: headers,
      compress: true,
    });

    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'chat-webhooks admin console',
      defaultRootObject: 'index.html',
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
      defaultBehavior: behavior(this.headersPolicy),
      ...(portalHeadersPolicy ? { additionalBehaviors: { '/portal*': behavior(portalHeadersPolicy) } } : {}),
      // Browser routes (/webhooks/wh_1, /callback) are not objects: S3 answers 403 through OAC.
      errorResponses: [403, 404].map((httpStatus) => ({
        httpStatus,
        responseHttpStatus: 200,
        responsePagePath: '/index.html',
        ttl: Duration.seconds(0),
      })),
    });
    this.origin = `https://${this.distribution.distributionDomainName}`;

    const reasons: [string, string][] = [
      [
        'AwsSolutions-S1',
        'The bucket holds only the public build output of the console; every read goes through CloudFront, and the admin API logs each call it serves.',
      ],
      [
        'AwsSolutions-CFR1',
        'Admins sign in from wherever they work; access is decided by the OIDC sign-in and the API authorizer, not by geography.',
      ],
      [
        'AwsSolutions-CFR2',
        'The distribution serves static files only; the admin API behind the JWT authorizer is throttled at its stage. Attach a web ACL when an organisation requires one.',
      ],
      [
        'AwsSolutions-CFR3',
        'Static console files carry no data; the admin API access log records every call that reads or changes data.',
      ],
      [
        'AwsSolutions-CFR4',
        'The default *.cloudfront.net certificate cannot pin a minimum TLS version; minimumProtocolVersion TLSv1.2_2021 applies once a custom domain and certificate are set.',
      ],
    ];
    for (const [ruleId, reason] of reasons) {
      Validations.of(ruleId.startsWith('AwsSolutions-S') ? this.bucket : this.distribution).acknowledge({
        id: ruleId,
        reason,
      });
    }
  }

  /**
   * Uploads the built console and its `/config.json` ({ apiUrl, auth: { mode: 'oidc', authority,
   * clientId, scope } }), and invalidates CloudFront's copies of the two files that change.
   */
  publish(settings: AdminConsoleSettings): s3deploy.BucketDeployment {
    const deployment = new s3deploy.BucketDeployment(this, 'Deploy', {
      destinationBucket: this.bucket,
      sources: [
        s3deploy.Source.asset(this.assetPath, { exclude: ['.build-stamp'] }),
        s3deploy.Source.jsonData('config.json', {
          apiUrl: settings.apiUrl,
          auth: {
            mode: 'oidc',
            authority: this.oidcIssuer,
            clientId: settings.clientId,
            scope: settings.scope ?? 'openid profile email',
          },
        }),
      ],
      distribution: this.distribution,
      distributionPaths: ['/index.html', '/config.json'],
      memoryLimit: 256,
    });
    // The upload runs in CDK's shared BucketDeployment function, a stack-level singleton.
    const uploader = Stack.of(this).node.children.filter((child) =>
      child.node.id.startsWith('Custom::CDKBucketDeployment'),
    );
    const iam5 =
      "CDK's BucketDeployment reads the CDK asset bucket and writes this console bucket only; the " +
      'wildcards are object keys, the S3 action groups copying a directory needs, and ' +
      'cloudfront:CreateInvalidation, which supports no resource-level permission.';
    const acknowledgements: [string, string][] = [
      [
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        "CDK's BucketDeployment function uses AWSLambdaBasicExecutionRole for its own CloudWatch logs only; it runs at deploy time, never on a request.",
      ],
      ...[
        'Action::s3:GetObject*',
        'Action::s3:GetBucket*',
        'Action::s3:List*',
        'Action::s3:DeleteObject*',
        'Action::s3:Abort*',
        `Resource::${bootstrapAssetsBucket(Stack.of(this))}/*`,
        `Resource::<${Stack.of(this).getLogicalId(this.bucket.node.defaultChild as s3.CfnBucket)}.Arn>/*`,
        'Resource::*',
      ].map((finding): [string, string] => [`AwsSolutions-IAM5[${finding}]`, iam5]),
      [
        'AwsSolutions-L1',
        "CDK's BucketDeployment pins its own Python runtime with the AWS CLI layer; it runs only while deploying, never on a request.",
      ],
    ];
    for (const construct of uploader) {
      for (const [ruleId, reason] of acknowledgements)
        Validations.of(construct).acknowledge({ id: ruleId, reason });
    }
    return deployment;
  }
}
