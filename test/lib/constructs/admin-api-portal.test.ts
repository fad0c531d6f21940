/**
 * The tenant portal's wiring in the admin API: the platform's IAM routes, the link exchange without
 * an authorizer, the portal-session Lambda authorizer on /portal/v1, and the grants of both functions.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { buildStacks, resourcesOfType } from '#test/lib/cdk-fixtures';

const PLATFORM = [
  'arn:aws:iam::111122223333:role/platform-portal',
  'arn:aws:iam::111122223333:user/platform-ci',
];

function routesOf(template: ReturnType<typeof buildStacks>['serviceTemplate']) {
  return Object.values(resourcesOfType(template, 'AWS::ApiGatewayV2::Route')).map(({ Properties }) => ({
    key: String(Properties.RouteKey),
    type: String(Properties.AuthorizationType ?? 'NONE'),
    authorizerId: Properties.AuthorizerId,
  }));
}

describe('AdminApi: the tenant portal', () => {
  const { serviceTemplate } = buildStacks({ platformPrincipals: PLATFORM });

  it('puts POST and DELETE /v1/portal-sessions behind IAM and tells the function which principals may call', () => {
    const iamRoutes = routesOf(serviceTemplate).filter((route) => route.type === 'AWS_IAM');
    expect(iamRoutes.map((route) => route.key).sort()).toEqual([
      'DELETE /v1/portal-sessions',
      'POST /v1/portal-sessions',
    ]);
    serviceTemplate.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ PLATFORM_PRINCIPALS: PLATFORM.join(',') }) },
    });
  });

  it('serves the link exchange without an authorizer (the single-use token in the body is the credential)', () => {
    const exchange = routesOf(serviceTemplate).filter((route) => route.key.includes('exchange'));
    expect(exchange).toEqual([
      { key: 'POST /v1/portal-sessions/exchange', type: 'NONE', authorizerId: undefined },
    ]);
  });

  it('puts every /portal/v1 method behind an uncached Lambda authorizer on the Authorization header, and /v1 behind the JWT one', () => {
    const authorizers = resourcesOfType(serviceTemplate, 'AWS::ApiGatewayV2::Authorizer');
    const request = Object.entries(authorizers).filter(
      ([, { Properties }]) => Properties.AuthorizerType === 'REQUEST',
    );
    expect(request).toHaveLength(1);
    const [requestId, { Properties: portal }] = request[0]!;
    expect(portal).toMatchObject({
      EnableSimpleResponses: true,
      AuthorizerPayloadFormatVersion: '2.0',
      AuthorizerResultTtlInSeconds: 0,
      IdentitySource: ['$request.header.Authorization'],
    });
    const portalRoutes = routesOf(serviceTemplate).filter((route) => route.key.includes(' /portal/'));
    expect(portalRoutes.map((route) => route.key.split(' ')[0]).sort()).toEqual([
      'DELETE',
      'GET',
      'PATCH',
      'POST',
    ]);
    for (const route of portalRoutes) {
      expect(route.key).toMatch(/ \/portal\/v1\/\{proxy\+\}$/);
      expect(route).toMatchObject({ type: 'CUSTOM', authorizerId: { Ref: requestId } });
    }
    for (const route of routesOf(serviceTemplate).filter((candidate) =>
      candidate.key.includes(' /v1/{proxy+}'),
    )) {
      expect(route.type).toBe('JWT');
    }
  });

  it('grants the authorizer only GetItem on the table, and the API the UpdateItem revocation needs', () => {
    const policies = Object.entries(resourcesOfType(serviceTemplate, 'AWS::IAM::Policy'));
    const actionsOf = (prefix: string) => {
      const found = policies.filter(([id]) => id.startsWith(prefix));
      expect(found, prefix).toHaveLength(1);
      const document = found[0]![1].Properties.PolicyDocument as {
        Statement: { Action: string | string[] }[];
      };
      return document.Statement.flatMap((statement) => [statement.Action].flat()).filter((action) =>
        action.startsWith('dynamodb:'),
      );
    };
    expect(actionsOf('AdminApiPortalAuthorizer')).toEqual(['dynamodb:GetItem']);
    expect(actionsOf('AdminApiRole')).toEqual(
      expect.arrayContaining(['dynamodb:UpdateItem', 'dynamodb:DeleteItem']),
    );
  });

  it('deploys no platform route without platform principals, and refuses a principal that is no IAM ARN', () => {
    const { serviceTemplate: without } = buildStacks();
    expect(routesOf(without).filter((route) => route.type === 'AWS_IAM')).toEqual([]);
    expect(() => buildStacks({ platformPrincipals: ['platform-portal'] })).toThrow(/platformPrincipals/);
  });
});
