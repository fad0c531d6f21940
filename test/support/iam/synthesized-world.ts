/** The app synthesised as `cdk deploy` does, loaded as a CloudFormationWorld for the IAM simulation. */
import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { settingsFromContext } from '#lib/app-settings';
import { buildApp } from '#lib/build-app';
import { CloudFormationWorld, type Template, type WorldOptions } from './cloudformation-world';

/** The account and region tests deploy to, as the CLI would set them. */
export const TEST_ENVIRONMENT = { account: '111122223333', region: 'eu-west-1' } as const;

/**
 * Synthesises the app with `env` (unbundled unless `outdir` is given and bundling wanted) and returns
 * its stacks as a world. `context` is CDK context (jwtIssuer, …).
 */
export function synthesizedWorld(
  options: {
    context?: Record<string, unknown>;
    outdir?: string;
    bundle?: boolean;
    physicalNames?: WorldOptions['physicalNames'];
    env?: { account: string; region: string };
  } = {},
): { world: CloudFormationWorld; templates: Record<string, Template> } {
  const env = options.env ?? TEST_ENVIRONMENT;
  const app = new App({
    ...(options.outdir ? { outdir: options.outdir } : {}),
    context: {
      jwtIssuer: 'https://issuer.example.com/',
      ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }),
      ...options.context,
    },
  });
  buildApp(app, settingsFromContext(app), { nag: false, env });
  const assembly = app.synth();
  const templates = Object.fromEntries(
    assembly.stacks.map((stack) => [
      stack.stackName,
      JSON.parse(readFileSync(stack.templateFullPath, 'utf8')) as Template,
    ]),
  );
  return {
    world: new CloudFormationWorld(templates, {
      ...env,
      ...(options.physicalNames ? { physicalNames: options.physicalNames } : {}),
    }),
    templates,
  };
}
