import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { settingsFromContext } from '#lib/app-settings';
import { buildApp, type ChatWebhooksStacks } from '#lib/build-app';

/** Every acknowledgement recorded on the construct tree: rule id and reason. */
function acknowledgements(root: IConstruct): { path: string; id: string; reason: unknown }[] {
  return root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, unknown>).map(([id, reason]) => ({
          path: construct.node.path,
          id,
          reason,
        })),
      ),
  );
}

/**
 * `cdk deploy` synthesises with the account and region of the active profile
 * (CDK_DEFAULT_ACCOUNT/CDK_DEFAULT_REGION), which makes the stacks environment-specific; `cdk synth`
 * without a profile leaves them agnostic. Both must pass cdk-nag: a finding only the first shows
 * stops every real deploy at synth while an agnostic-only suite stays green.
 */
const SYNTH_ENVIRONMENTS = [
  { name: 'environment-agnostic (cdk synth without a profile)', env: undefined },
  {
    name: 'with an account and region (as cdk deploy synthesises)',
    env: { account: '111122223333', region: 'eu-west-1' },
  },
] as const;

describe.each(SYNTH_ENVIRONMENTS)('buildApp with cdk-nag AwsSolutions, $name', ({ env }) => {
  let outdir: string;
  let app: App;
  let stacks: ChatWebhooksStacks;

  beforeAll(() => {
    outdir = mkdtempSync(join(tmpdir(), 'chat-webhooks-cdk-'));
    // With the platform's principals, so the IAM-authorised portal-session routes are checked too.
    app = new App({
      outdir,
      context: {
        'aws:cdk:bundling-stacks': [],
        platformPrincipals: 'arn:aws:iam::111122223333:role/platform-portal',
      },
    });
    stacks = buildApp(app, settingsFromContext(app), env ? { env } : {});
  });

  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('leaves no unsuppressed AwsSolutions finding, error or warning', () => {
    const report = new AwsSolutionsChecks().validateScope(app);
    const findings = report.violations.map(
      (violation) =>
        `${violation.severity} ${violation.ruleName} at ${violation.violatingResources.map((r) => r.constructPath).join(', ')}`,
    );
    expect(findings).toEqual([]);
    expect(report.success).toBe(true);
  });

  it('synthesises through the registered validation plugin and reports success', () => {
    const assembly = app.synth();
    expect(assembly.stacks.map((stack) => stack.stackName).sort()).toEqual([
      'ChatWebhooksService',
      'ChatWebhooksStateful',
    ]);
    const reportFile = ['validation-report.json', 'policy-validation-report.json']
      .map((name) => join(outdir, name))
      .find((path) => existsSync(path));
    if (reportFile) {
      const report = JSON.parse(readFileSync(reportFile, 'utf8')) as {
        pluginReports: { pluginName: string; violations: unknown[] }[];
      };
      for (const plugin of report.pluginReports) expect(plugin.violations, plugin.pluginName).toEqual([]);
    }
  });

  it('gives every suppression a specific reason', () => {
    const acknowledged = acknowledgements(app);
    expect(acknowledged.length).toBeGreaterThan(0);
    for (const { path, id, reason } of acknowledged) {
      expect(typeof reason, `${id} at ${path}`).toBe('string');
      expect((reason as string).trim().length, `${id} at ${path}`).toBeGreaterThanOrEqual(40);
    }
    const ids = new Set(acknowledged.map(({ id }) => id.replace(/^annotation::/i, '')));
    // The only suppressions this app needs; a new one must be reviewed and added here.
    expect([...ids].sort()).toEqual(
      [
        'AwsSolutions-APIG4',
        'AwsSolutions-IAM5[Resource::*]',
        'AwsSolutions-SMG4',
        'AwsSolutions-SQS3',
        // The admin console: its bucket and distribution, and CDK's BucketDeployment function.
        'AwsSolutions-S1',
        'AwsSolutions-CFR1',
        'AwsSolutions-CFR2',
        'AwsSolutions-CFR3',
        'AwsSolutions-CFR4',
        'AwsSolutions-L1',
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        'AwsSolutions-IAM5[Action::s3:GetObject*]',
        'AwsSolutions-IAM5[Action::s3:GetBucket*]',
        'AwsSolutions-IAM5[Action::s3:List*]',
        'AwsSolutions-IAM5[Action::s3:DeleteObject*]',
        'AwsSolutions-IAM5[Action::s3:Abort*]',
        env
          ? `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-${env.account}-${env.region}/*]`
          : 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*]',
        'AwsSolutions-IAM5[Resource::<AdminConsoleFilesCE8E711B.Arn>/*]',
      ].sort(),
    );
  });

  it('makes the service stack depend on the stateful stack and not the other way round', () => {
    expect(stacks.service.dependencies).toContain(stacks.stateful);
    expect(stacks.stateful.dependencies).not.toContain(stacks.service);
  });

  it('fails a stack the checks would refuse, so a clean report means something', () => {
    const probe = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(probe, 'Probe');
    new sqs.Queue(stack, 'Plain', { encryption: sqs.QueueEncryption.UNENCRYPTED });
    const rules = new AwsSolutionsChecks()
      .validateScope(probe)
      .violations.map((violation) => violation.ruleName);
    expect(rules).toEqual(
      expect.arrayContaining(['AwsSolutions-SQS2', 'AwsSolutions-SQS3', 'AwsSolutions-SQS4']),
    );
  });
});

describe('buildApp bundling', () => {
  it('bundles the six handlers (five functions and the portal authorizer) offline with esbuild into ESM with the require banner', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'chat-webhooks-bundle-'));
    try {
      const app = new App({ outdir });
      buildApp(app, settingsFromContext(app), { nag: false });
      app.synth();
      const bundles = readdirSync(outdir)
        .filter((name) => name.startsWith('asset.'))
        .map((name) => join(outdir, name))
        .filter((dir) => existsSync(join(dir, 'index.mjs')));
      expect(bundles).toHaveLength(6);
      for (const dir of bundles) {
        const code = readFileSync(join(dir, 'index.mjs'), 'utf8');
        expect(code.startsWith("import { createRequire } from 'module';")).toBe(true);
        expect(existsSync(join(dir, 'index.mjs.map'))).toBe(true);
      }
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  }, 180_000);
});

describe.each(SYNTH_ENVIRONMENTS)('buildApp with -c noticeEmail, cdk-nag AwsSolutions, $name', ({ env }) => {
  it('leaves no unsuppressed AwsSolutions finding on the notice topic, key and rule', () => {
    const app = new App({
      context: { 'aws:cdk:bundling-stacks': [], noticeEmail: 'ops@example.com' },
    });
    const { service } = buildApp(app, settingsFromContext(app), { ...(env ? { env } : {}), nag: false });
    expect(service.noticeEmail).toBeDefined();
    const report = new AwsSolutionsChecks().validateScope(app);
    const findings = report.violations.map(
      (violation) =>
        `${violation.severity} ${violation.ruleName} at ${violation.violatingResources.map((r) => r.constructPath).join(', ')}`,
    );
    expect(findings).toEqual([]);
    expect(report.success).toBe(true);
  });
});
