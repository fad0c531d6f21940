/** The admin console on AWS (docs/contract.md#console): private bucket, CloudFront with OAC and security headers, config.json, CORS. */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminConsole } from '#lib/constructs/admin-console';
import { appWithoutBundling, buildStacks, resourcesOfType } from '../cdk-fixtures';

let assetDir: string;

beforeAll(() => {
  assetDir = mkdtempSync(join(tmpdir(), 'cw-console-asset-'));
  writeFileSync(join(assetDir, 'index.html'), '<!doctype html><title>console</title>');
});
afterAll(() => rmSync(assetDir, { recursive: true, force: true }));

describe('AdminConsole in the service stack', () => {
  let template: Template;
  beforeAll(() => {
    template = buildStacks({
      adminConsole: { assetPath: assetDir, clientId: 'console-client' },
    }).serviceTemplate;
  });

  it('keeps the files in a private, encrypted, TLS-only bucket', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudfront.amazonaws.com' },
            Action: 's3:GetObject',
          }),
        ]),
      },
    });
  });

  it('serves through CloudFront with origin access control, https only, SPA fallback', () => {
    template.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        DefaultRootObject: 'index.html',
        DefaultCacheBehavior: Match.objectLike({
          ViewerProtocolPolicy: 'redirect-to-https',
          ResponseHeadersPolicyId: Match.anyValue(),
        }),
        Origins: [Match.objectLike({ OriginAccessControlId: Match.anyValue() })],
        CustomErrorResponses: Match.arrayWith([
          Match.objectLike({ ErrorCode: 403, ResponseCode: 200, ResponsePagePath: '/index.html' }),
        ]),
      }),
    });
  });

  it('adds a strict CSP, HSTS, no framing and nosniff', () => {
    const policies = resourcesOfType(template, 'AWS::CloudFront::ResponseHeadersPolicy');
    expect(Object.keys(policies)).toHaveLength(1);
    const config = Object.values(policies)[0]!.Properties.ResponseHeadersPolicyConfig as any;
    const headers = config.SecurityHeadersConfig;
    expect(headers.FrameOptions).toEqual({ FrameOption: 'DENY', Override: true });
    expect(headers.ContentTypeOptions).toEqual({ Override: true });
    expect(headers.StrictTransportSecurity).toMatchObject({
      AccessControlMaxAgeSec: 63072000,
      IncludeSubdomains: true,
    });
    const csp = JSON.stringify(headers.ContentSecurityPolicy.ContentSecurityPolicy);
    for (const directive of [
      "default-src 'none'",
      "script-src 'self'",
      "style-src 'self'",
      "frame-ancestors 'none'",
    ]) {
      expect(csp).toContain(directive);
    }
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(csp).toContain('https://issuer.example.com');
  });

  it('writes /config.json with the API URL and the OIDC issuer and client', () => {
    const deployments = resourcesOfType(template, 'Custom::CDKBucketDeployment');
    expect(Object.keys(deployments)).toHaveLength(1);
    const deployment = Object.values(deployments)[0]!.Properties as any;
    expect(deployment.DistributionPaths).toEqual(['/index.html', '/config.json']);
    const markers = JSON.stringify(deployment.SourceMarkersConfig ?? deployment.SourceMarkers ?? {});
    const serialized = JSON.stringify(deployment);
    expect(serialized + markers).toContain('AdminApiHttpApi');
  });

  it('lets the admin API answer CORS for the console origin only', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: {
        AllowOrigins: [
          {
            'Fn::Join': [
              '',
              [
                'https://',
                { 'Fn::GetAtt': [Match.stringLikeRegexp('AdminConsoleDistribution'), 'DomainName'] },
              ],
            ],
          },
        ],
        AllowHeaders: ['authorization', 'content-type'],
        AllowCredentials: false,
      },
    });
    template.hasOutput('AdminConsoleUrl', Match.anyValue());
  });

  it('gives the delivery function the console origin, so notices link to the webhook’s page', () => {
    const origin = {
      'Fn::Join': [
        '',
        ['https://', { 'Fn::GetAtt': [Match.stringLikeRegexp('AdminConsoleDistribution'), 'DomainName'] }],
      ],
    };
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ CONSOLE_URL: origin, EVENT_BUS_NAME: Match.anyValue() }) },
    });
  });
});

describe('AdminConsole on its own', () => {
  it('refuses a missing build and a non-https issuer with clear messages', () => {
    const stack = new Stack(appWithoutBundling(), 'Probe');
    expect(
      () =>
        new AdminConsole(stack, 'Missing', {
          assetPath: join(assetDir, 'nope'),
          oidcIssuer: 'https://i.example/',
        }),
    ).toThrow(/npm run build:console/);
    expect(
      () => new AdminConsole(stack, 'Plain', { assetPath: assetDir, oidcIssuer: 'http://i.example/' }),
    ).toThrow(/https URL/);
  });

  it('is absent when the stack is asked for none: no CORS either', () => {
    const template = buildStacks({ adminConsole: false }).serviceTemplate;
    template.resourceCountIs('AWS::CloudFront::Distribution', 0);
    const apis = Object.values(resourcesOfType(template, 'AWS::ApiGatewayV2::Api'));
    expect(apis[0]?.Properties.CorsConfiguration).toBeUndefined();
  });

  it('writes config.json for the console: API URL, OIDC issuer as authority, public client id', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'cw-console-synth-'));
    try {
      const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } });
      const stack = new Stack(app, 'Probe');
      new AdminConsole(stack, 'Console', {
        assetPath: assetDir,
        oidcIssuer: 'https://id.example.com/',
      }).publish({
        apiUrl: 'https://api.example.com/',
        clientId: 'console-client',
      });
      app.synth();
      const configs = readdirSync(outdir)
        .map((name) => join(outdir, name, 'config.json'))
        .filter((path) => existsSync(path))
        .map((path) => JSON.parse(readFileSync(path, 'utf8')));
      expect(configs).toEqual([
        {
          apiUrl: 'https://api.example.com/',
          auth: {
            mode: 'oidc',
            authority: 'https://id.example.com/',
            clientId: 'console-client',
            scope: 'openid profile email',
          },
        },
      ]);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});

describe('AdminConsole: the tenant portal may be framed by the platform origins only', () => {
  const cspOf = (policy: { Properties: Record<string, unknown> }) =>
    JSON.stringify(
      (policy.Properties.ResponseHeadersPolicyConfig as any).SecurityHeadersConfig.ContentSecurityPolicy
        .ContentSecurityPolicy,
    );

  it('serves /portal* with frame-ancestors of the origins and no X-Frame-Options; everything else stays unframeable', () => {
    const template = buildStacks({
      adminConsole: {
        assetPath: assetDir,
        portalAllowedOrigins: ['https://admin.example.com', 'https://chat.example.org:8443/'],
      },
    }).serviceTemplate;
    const policies = resourcesOfType(template, 'AWS::CloudFront::ResponseHeadersPolicy');
    const entries = Object.entries(policies);
    expect(entries).toHaveLength(2);
    const [portalId, portal] = entries.find(([id]) => id.includes('Portal'))!;
    const [plainId, plain] = entries.find(([id]) => !id.includes('Portal'))!;
    expect(cspOf(portal)).toContain(
      'frame-ancestors https://admin.example.com https://chat.example.org:8443;',
    );
    expect(cspOf(portal)).not.toContain('unsafe-inline');
    expect(
      (portal.Properties.ResponseHeadersPolicyConfig as any).SecurityHeadersConfig.FrameOptions,
    ).toBeUndefined();
    expect(cspOf(plain)).toContain("frame-ancestors 'none'");
    expect((plain.Properties.ResponseHeadersPolicyConfig as any).SecurityHeadersConfig.FrameOptions).toEqual({
      FrameOption: 'DENY',
      Override: true,
    });
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        DefaultCacheBehavior: Match.objectLike({ ResponseHeadersPolicyId: { Ref: plainId } }),
        CacheBehaviors: [
          Match.objectLike({ PathPattern: '/portal*', ResponseHeadersPolicyId: { Ref: portalId } }),
        ],
      }),
    });
  });

  it('refuses an origin that is not https', () => {
    expect(() =>
      buildStacks({
        adminConsole: { assetPath: assetDir, portalAllowedOrigins: ['http://admin.example.com'] },
      }),
    ).toThrow(/portalAllowedOrigins/);
  });
});
