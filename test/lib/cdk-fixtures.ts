/** Shared set-up of the CDK tests: apps that skip esbuild bundling where a test does not need it. */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ServiceStack, type ServiceStackProps } from '#lib/service-stack';
import { StatefulStack } from '#lib/stateful-stack';

/** An app whose NodejsFunctions are not bundled (asset paths are placeholders). */
export function appWithoutBundling(): App {
  return new App({ context: { 'aws:cdk:bundling-stacks': [] } });
}

/** Both stacks wired as bin/app.ts wires them, with test JWT settings. */
export function buildStacks(overrides: Partial<Omit<ServiceStackProps, 'stateful'>> = {}) {
  const app = appWithoutBundling();
  const stateful = new StatefulStack(app, 'Stateful');
  const service = new ServiceStack(app, 'Service', {
    stateful,
    jwtIssuer: 'https://issuer.example.com/',
    jwtAudience: ['chat-webhooks-admin'],
    // The console's hosting (and CDK's BucketDeployment function) has its own tests:
    // test/lib/constructs/admin-console.test.ts; these stacks hold the service's own resources.
    adminConsole: false,
    ...overrides,
  });
  return {
    app,
    stateful,
    service,
    statefulTemplate: Template.fromStack(stateful),
    serviceTemplate: Template.fromStack(service),
  };
}

/** The resources of one CloudFormation type, by logical id. */
export function resourcesOfType(
  template: Template,
  type: string,
): Record<string, { Properties: Record<string, unknown> }> {
  return template.findResources(type) as Record<string, { Properties: Record<string, unknown> }>;
}
