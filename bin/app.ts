/** The CDK app: `npx cdk synth` (offline, placeholders for the JWT issuer) or `npx cdk deploy -c jwtIssuer=...`. */
import { App } from 'aws-cdk-lib';
import { settingsFromContext } from '#lib/app-settings';
import { buildApp } from '#lib/build-app';

const app = new App({
  // Defaults only: cdk.json and -c flags take precedence. Strong (Fn::ImportValue) references
  // stop the stateful stack from dropping an output the service stack still uses.
  context: { '@aws-cdk/core:defaultCrossStackReferences': 'strong' },
});
// The CLI sets these from the active profile; without them the stacks stay environment-agnostic.
const account = process.env.CDK_DEFAULT_ACCOUNT;
const region = process.env.CDK_DEFAULT_REGION;
buildApp(app, settingsFromContext(app), account && region ? { env: { account, region } } : {});
app.synth();
