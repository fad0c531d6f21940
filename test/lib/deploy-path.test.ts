/**
 * What only a real account exercises, checked on the templates `cdk deploy` would send (the app
 * synthesised with an account and region): the console's CORS preflight against the API's routes,
 * its sign-in against its CSP, a retry after a failed first create, and a second region.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_ROUTES } from '#app/admin-api';
import { PORTAL_API_PREFIX } from '#domain/portal';
import type { CloudFormationWorld } from '#test/support/iam/cloudformation-world';
import { synthesizedWorld } from '#test/support/iam/synthesized-world';

/** The README's Cognito example (Deploy to AWS), and the token endpoint its hosted domain serves. */
const COGNITO = {
  issuer: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEfGhI',
  tokenEndpoint: 'https://chat-admins.auth.eu-west-1.amazoncognito.com/oauth2/token',
};

/** The platform's role that mints portal links (SigV4). */
const PLATFORM_ROLE = 'arn:aws:iam::123456789012:role/platform-portal';

let world: CloudFormationWorld;
const SERVICE = 'ChatWebhooksService';

beforeAll(() => {
  world = synthesizedWorld({
    context: {
      jwtIssuer: COGNITO.issuer,
      jwtAudience: '4k2example5clientid6',
      platformPrincipals: PLATFORM_ROLE,
    },
  }).world;
}, 120_000);

interface Route {
  method: string;
  path: string;
  authorizationType: string;
}

function routes(): Route[] {
  return world.resourcesOfType('AWS::ApiGatewayV2::Route').map(({ properties }) => {
    const [method, path] = String(properties.RouteKey).split(' ') as [string, string];
    return { method, path, authorizationType: String(properties.AuthorizationType ?? 'NONE') };
  });
}

/**
 * The route an HTTP API selects for `method path` (AWS: the most specific path wins, then an exact
 * method over ANY; `{proxy+}` matches one or more segments), or undefined when none matches.
 */
function selectRoute(method: string, path: string): Route | undefined {
  const matches = (route: Route) => {
    const pattern = route.path
      .split('/')
      .map((segment) =>
        segment === '{proxy+}'
          ? '.+'
          : /^\{[^}]+\}$/.test(segment)
            ? '[^/]+'
            : segment.replace(/[.*+?^$()|[\]\\]/g, '\\$&'),
      )
      .join('/');
    return new RegExp(`^${pattern}$`).test(path) && (route.method === method || route.method === 'ANY');
  };
  const candidates = routes().filter(matches);
  const greedy = (route: Route) => (route.path.includes('{proxy+}') ? 1 : 0);
  candidates.sort(
    (a, b) => greedy(a) - greedy(b) || (a.method === 'ANY' ? 1 : 0) - (b.method === 'ANY' ? 1 : 0),
  );
  return candidates[0];
}

describe('the console’s CORS preflight against the synthesised API', () => {
  it('reaches no authorizer: OPTIONS on every admin path matches no route, and the API answers preflights', () => {
    const api = world.resourcesOfType('AWS::ApiGatewayV2::Api')[0]!;
    const cors = world.resolve(api.properties.CorsConfiguration, SERVICE) as {
      AllowOrigins: string[];
      AllowMethods: string[];
      AllowHeaders: string[];
    };
    expect(cors.AllowOrigins).toEqual([expect.stringMatching(/^https:\/\/.+\.cloudfront\.net$/)]);
    expect(cors.AllowHeaders).toEqual(expect.arrayContaining(['authorization', 'content-type']));
    for (const route of ADMIN_ROUTES.filter((candidate) => !candidate.isPublic)) {
      const path = route.path.replace(/\{[^}]+\}/g, 'wh_1');
      // The browser's preflight carries no token: it must not meet the JWT authorizer (a 401 there
      // fails the console's every call), so no route may take it and API Gateway answers it itself.
      const preflight = selectRoute('OPTIONS', path);
      expect(preflight, `OPTIONS ${path} would be routed`).toBeUndefined();
      // The real call is authorised (the platform's by IAM, a tenant's by its JWT), and its method
      // is one the preflight allows.
      const expected = route.audience === 'platform' ? 'AWS_IAM' : 'JWT';
      expect(selectRoute(route.method, path)?.authorizationType, `${route.method} ${path}`).toBe(expected);
      expect(cors.AllowMethods).toContain(route.method);
      if (route.audience === 'platform') continue;
      // The same tenant route as a portal session calls it: the portal-session authorizer, no preflight route.
      const portalPath = `${PORTAL_API_PREFIX}${path}`;
      expect(selectRoute('OPTIONS', portalPath), `OPTIONS ${portalPath} would be routed`).toBeUndefined();
      expect(selectRoute(route.method, portalPath)?.authorizationType, `${route.method} ${portalPath}`).toBe(
        'CUSTOM',
      );
    }
  });

  it('leaves only public routes of the route table without an authorizer', () => {
    const open = routes().filter((route) => route.authorizationType === 'NONE');
    expect(open.map((route) => `${route.method} ${route.path}`)).toEqual(
      expect.arrayContaining(['GET /health', 'HEAD /health']),
    );
    for (const route of open) {
      const isPublic = ADMIN_ROUTES.some(
        (candidate) =>
          candidate.isPublic && candidate.method === route.method && candidate.path === route.path,
      );
      expect(isPublic, `${route.method} ${route.path} answers without a token`).toBe(true);
    }
    // Besides the JWT routes: IAM only on the platform's two, the session authorizer only under /portal.
    const others = routes().filter((route) => !['NONE', 'JWT'].includes(route.authorizationType));
    expect(
      others
        .filter((route) => route.authorizationType === 'AWS_IAM')
        .map((route) => `${route.method} ${route.path}`)
        .sort(),
    ).toEqual(['DELETE /v1/portal-sessions', 'POST /v1/portal-sessions']);
    for (const route of others.filter((candidate) => candidate.authorizationType !== 'AWS_IAM')) {
      expect(route.authorizationType).toBe('CUSTOM');
      expect(route.path).toBe(`${PORTAL_API_PREFIX}/v1/{proxy+}`);
    }
  });
});

describe('the console’s sign-in against its CSP', () => {
  function connectSources(context: Record<string, unknown> = {}): string[] {
    const synthesized =
      Object.keys(context).length === 0
        ? world
        : synthesizedWorld({ context: { jwtIssuer: COGNITO.issuer, ...context } }).world;
    const policy = synthesized.resourcesOfType('AWS::CloudFront::ResponseHeadersPolicy')[0]!;
    const config = synthesized.resolve(policy.properties.ResponseHeadersPolicyConfig, SERVICE) as {
      SecurityHeadersConfig: { ContentSecurityPolicy: { ContentSecurityPolicy: string } };
    };
    const directive = config.SecurityHeadersConfig.ContentSecurityPolicy.ContentSecurityPolicy.split(';')
      .map((part) => part.trim())
      .find((part) => part.startsWith('connect-src '));
    return directive?.split(/\s+/).slice(1) ?? [];
  }

  /** CSP source matching for scheme-host sources (`https://*.example.com` covers subdomains). */
  function allows(sources: string[], url: string): boolean {
    const { protocol, host } = new URL(url);
    return sources.some((source) => {
      const match = /^(https?:)\/\/(\*\.)?([^/:]+)(?::\d+)?\/?$/.exec(source);
      if (!match || match[1] !== protocol) return false;
      return match[2] ? host.endsWith(`.${match[3]}`) : host === match[3];
    });
  }

  it('lets the browser fetch the issuer’s discovery document and post to the README’s Cognito token endpoint', () => {
    const sources = connectSources();
    expect(allows(sources, `${COGNITO.issuer}/.well-known/openid-configuration`)).toBe(true);
    expect(allows(sources, COGNITO.tokenEndpoint)).toBe(true);
    expect(allows(sources, 'https://evil.example.com/collect')).toBe(false);
  }, 120_000);

  it('adds the origins of -c consoleConnectSources (a custom sign-in domain)', () => {
    const sources = connectSources({
      consoleConnectSources: 'https://login.example.com, https://*.idp.example.net',
    });
    expect(allows(sources, 'https://login.example.com/oauth2/token')).toBe(true);
    expect(allows(sources, 'https://a.idp.example.net/token')).toBe(true);
    expect(() =>
      synthesizedWorld({ context: { consoleConnectSources: 'http://plain.example.com' } }),
    ).toThrow(/extraConnectSources must be an https URL/);
  }, 240_000);
});

describe('retrying a failed first create, and a second region', () => {
  it('deletes on the rollback of a create everything with a fixed name; what it keeps has a generated one', () => {
    const fixedNameProperty: Record<string, string> = {
      'AWS::Events::EventBus': 'Name',
      'AWS::Events::Archive': 'ArchiveName',
      'AWS::DynamoDB::Table': 'TableName',
      'AWS::SQS::Queue': 'QueueName',
      'AWS::SecretsManager::Secret': 'Name',
      'AWS::Logs::LogGroup': 'LogGroupName',
      'AWS::S3::Bucket': 'BucketName',
      'AWS::KMS::Key': 'KeyId',
    };
    for (const [stack, template] of Object.entries(world.stacks)) {
      for (const [logicalId, resource] of Object.entries(template.Resources)) {
        const { DeletionPolicy } = resource as { DeletionPolicy?: string };
        if (DeletionPolicy !== 'Retain') continue;
        // Kept after a failed create: a retry then makes a new one, which must not need its name.
        const nameProperty = fixedNameProperty[resource.Type];
        expect(nameProperty, `${stack}/${logicalId} (${resource.Type}) is Retain`).toBeDefined();
        expect(
          resource.Properties?.[nameProperty!],
          `${stack}/${logicalId} keeps a fixed name`,
        ).toBeUndefined();
      }
    }
    const bus = world.resourcesOfType('AWS::Events::EventBus')[0]!;
    expect(world.stacks[bus.stack]!.Resources[bus.logicalId]).toMatchObject({
      DeletionPolicy: 'RetainExceptOnCreate',
      UpdateReplacePolicy: 'Retain',
    });
  });

  it('keeps every data resource on deletion and replacement', () => {
    const kept = (type: string) =>
      world.resourcesOfType(type).map(({ stack, logicalId }) => {
        const { DeletionPolicy, UpdateReplacePolicy } = world.stacks[stack]!.Resources[logicalId] as {
          DeletionPolicy?: string;
          UpdateReplacePolicy?: string;
        };
        return `${DeletionPolicy}/${UpdateReplacePolicy}`;
      });
    for (const type of [
      'AWS::DynamoDB::Table',
      'AWS::SecretsManager::Secret',
      'AWS::Events::EventBus',
      'AWS::Events::Archive',
      'AWS::SQS::Queue',
      'AWS::Logs::LogGroup',
    ]) {
      const policies = kept(type);
      expect(policies.length, type).toBeGreaterThan(0);
      for (const policy of policies) expect(policy, type).toMatch(/^(Retain|RetainExceptOnCreate)\/Retain$/);
    }
  });

  it('writes no empty KmsKeyIdentifier on the archive (some regions refuse it)', () => {
    for (const { properties } of world.resourcesOfType('AWS::Events::Archive')) {
      expect(properties).not.toHaveProperty('KmsKeyIdentifier');
    }
  });

  it('gives account-wide (global) names that differ between two regions, so a second region deploys', () => {
    const other = synthesizedWorld({
      context: { jwtIssuer: COGNITO.issuer },
      env: { account: world.account, region: 'us-east-1' },
    }).world;
    const globalNames = (source: CloudFormationWorld) =>
      [
        ...source
          .resourcesOfType('AWS::CloudFront::ResponseHeadersPolicy')
          .map(({ properties }) => (properties.ResponseHeadersPolicyConfig as { Name?: unknown }).Name),
        ...source
          .resourcesOfType('AWS::CloudFront::OriginAccessControl')
          .map(({ properties }) => (properties.OriginAccessControlConfig as { Name?: unknown }).Name),
        ...source.resourcesOfType('AWS::IAM::Role').map(({ properties }) => properties.RoleName),
        ...source
          .resourcesOfType('AWS::IAM::ManagedPolicy')
          .map(({ properties }) => properties.ManagedPolicyName),
      ]
        .filter((name) => name !== undefined)
        .map((name) => JSON.stringify(name));
    const here = globalNames(world);
    expect(here.length).toBeGreaterThanOrEqual(2);
    expect(globalNames(other).filter((name) => here.includes(name))).toEqual([]);
  }, 120_000);
});
