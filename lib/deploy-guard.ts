/**
 * A deployment guard for templates synthesised without a real JWT issuer.
 *
 * `npx cdk synth` must work offline with no flags, so the app synthesises with a placeholder issuer;
 * the CDK CLI does not tell the app whether it is synthesising or deploying, so synthesis cannot
 * refuse only deploys. Instead each stack synthesised with the placeholder carries a CloudFormation
 * Rule that can never hold: CloudFormation evaluates Rules when it validates a change set, before it
 * creates or changes any resource, and fails the deploy with the rule's description. The parameter
 * the rule reads allows a single value, so `--parameters` cannot talk it round.
 */
import { CfnParameter, CfnRule, Fn, type Stack } from 'aws-cdk-lib';

/** Logical id of the rule (and stem of its parameter's id). */
export const JWT_ISSUER_RULE_ID = 'JwtIssuerIsConfigured';
const NOT_CONFIGURED = 'not-configured';

/** What a deployer reads when the guard stops a deploy; names the options to give. */
export const JWT_ISSUER_REQUIRED_MESSAGE =
  'This template was synthesised without a JWT issuer, so nobody could sign in to the admin API. ' +
  'Deploy with: npx cdk deploy --all -c jwtIssuer=https://<your issuer>/ -c jwtAudience=<audience> ' +
  '(README: Deploying to AWS).';

/** Adds the guard to `stack`: any create or update of it fails before touching a resource. */
export function refuseDeployWithoutJwtIssuer(stack: Stack): void {
  const state = new CfnParameter(stack, `${JWT_ISSUER_RULE_ID}State`, {
    type: 'String',
    default: NOT_CONFIGURED,
    allowedValues: [NOT_CONFIGURED],
    description: 'Set by synthesis: no jwtIssuer was given (context -c jwtIssuer=...)',
  });
  new CfnRule(stack, JWT_ISSUER_RULE_ID, {
    assertions: [
      {
        assert: Fn.conditionNot(Fn.conditionEquals(state.valueAsString, NOT_CONFIGURED)),
        assertDescription: JWT_ISSUER_REQUIRED_MESSAGE,
      },
    ],
  });
}
