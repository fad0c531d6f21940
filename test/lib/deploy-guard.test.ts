/**
 * A deploy without a real jwtIssuer fails before creating anything, while `cdk synth` keeps
 * working with no flags: the templates carry a CloudFormation Rule that cannot hold.
 */
import { App } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { settingsFromContext } from '#lib/app-settings';
import { buildApp } from '#lib/build-app';
import { JWT_ISSUER_RULE_ID } from '#lib/deploy-guard';

type Intrinsic = unknown;
interface TemplateJson {
  Parameters?: Record<string, { Default?: string; AllowedValues?: string[] }>;
  Rules?: Record<string, { Assertions: { Assert: Intrinsic; AssertDescription: string }[] }>;
}

/** Evaluates a rule assertion as CloudFormation would, for one choice of parameter values. */
function evaluate(expression: Intrinsic, parameters: Record<string, string>): unknown {
  if (typeof expression !== 'object' || expression === null) return expression;
  const [name, argument] = Object.entries(expression)[0] as [string, unknown];
  const args = Array.isArray(argument) ? argument.map((item) => evaluate(item, parameters)) : [];
  switch (name) {
    case 'Ref':
      return parameters[argument as string];
    case 'Fn::Equals':
      return args[0] === args[1];
    case 'Fn::Not':
      return !args[0];
    case 'Fn::And':
      return args.every(Boolean);
    case 'Fn::Or':
      return args.some(Boolean);
    default:
      throw new Error(`unsupported intrinsic ${name}`);
  }
}

/** Every value a deployer could give each parameter (its allowed values, else its default). */
function parameterChoices(template: TemplateJson): Record<string, string>[] {
  let choices: Record<string, string>[] = [{}];
  for (const [name, parameter] of Object.entries(template.Parameters ?? {})) {
    const values = parameter.AllowedValues ?? (parameter.Default !== undefined ? [parameter.Default] : []);
    choices = choices.flatMap((choice) => values.map((value) => ({ ...choice, [name]: value })));
  }
  return choices;
}

function synthesise(context: Record<string, string>) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [], ...context } });
  const stacks = buildApp(app, settingsFromContext(app), { nag: false });
  return { stacks, templates: [stacks.stateful, stacks.service].map((stack) => Template.fromStack(stack)) };
}

describe('deploying without a jwtIssuer', () => {
  it('synthesises with no flags, and both templates fail every deploy, naming -c jwtIssuer', () => {
    const { templates } = synthesise({});
    for (const template of templates) {
      const json = template.toJSON() as TemplateJson;
      const rule = json.Rules?.[JWT_ISSUER_RULE_ID];
      expect(rule?.Assertions).toHaveLength(1);
      const assertion = rule!.Assertions[0]!;
      expect(assertion.AssertDescription).toMatch(/-c jwtIssuer=https:\/\//);
      const outcomes = parameterChoices(json).map((parameters) => evaluate(assertion.Assert, parameters));
      expect(outcomes.length).toBeGreaterThan(0);
      expect(outcomes.every((holds) => holds === false)).toBe(true);
    }
  });

  it('warns at synth time that the templates cannot be deployed', () => {
    const { stacks } = synthesise({});
    Annotations.fromStack(stacks.service).hasWarning(
      '*',
      Match.stringLikeRegexp('No jwtIssuer given.*-c jwtIssuer='),
    );
  });

  it('adds no rule, parameter or warning when a real issuer is given', () => {
    const { stacks, templates } = synthesise({
      jwtIssuer: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Example',
      jwtAudience: 'abc123',
    });
    for (const template of templates) {
      const json = template.toJSON() as TemplateJson;
      expect(json.Rules?.[JWT_ISSUER_RULE_ID]).toBeUndefined();
      expect(
        Object.keys(json.Parameters ?? {}).filter((name) => name.startsWith(JWT_ISSUER_RULE_ID)),
      ).toEqual([]);
    }
    Annotations.fromStack(stacks.service).hasNoWarning('*', Match.stringLikeRegexp('jwtIssuer'));
  });
});

describe('alarms without a subscriber', () => {
  it('warns at synth time when no alarmEmail is given, and not when one is', () => {
    const withoutEmail = synthesise({ jwtIssuer: 'https://issuer.example.com/' }).stacks.service;
    Annotations.fromStack(withoutEmail).hasWarning('*', Match.stringLikeRegexp('No alarmEmail given'));
    const withEmail = synthesise({ jwtIssuer: 'https://issuer.example.com/', alarmEmail: 'ops@example.com' })
      .stacks.service;
    Annotations.fromStack(withEmail).hasNoWarning('*', Match.stringLikeRegexp('alarmEmail'));
  });
});
