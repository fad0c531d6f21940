/**
 * The synthesised templates as one account would hold them after `cdk deploy`: every intrinsic
 * (Ref, Fn::GetAtt, Fn::ImportValue, Fn::Join, Fn::Sub, pseudo parameters) resolved to the physical
 * name or ARN the resource gets. Physical names follow one scheme: the logical id, except where a
 * test's stand-in needs another (the table, the secret). A reference to a resource type this file
 * does not know throws, so a template that gains one fails loudly instead of simulating nonsense.
 */

type Json = Record<string, unknown>;

/** One CloudFormation template, as much of it as the IAM simulation reads. */
export interface Template {
  Resources: Record<string, { Type: string; Properties?: Json; Metadata?: Json }>;
  Outputs?: Record<string, { Value: unknown; Export?: { Name: string } }>;
}

/** Where the stacks are deployed, and the stand-ins some physical names must match. */
export interface WorldOptions {
  readonly region: string;
  readonly account: string;
  /** Physical names by logical id, for resources a test stands in for (table name, secret ARN). */
  readonly physicalNames?: Readonly<Record<string, string>>;
}

/** The deployed stacks by name; `resolve` turns any template value into what the account holds. */
export class CloudFormationWorld {
  readonly region: string;
  readonly account: string;
  readonly partition = 'aws';

  constructor(
    readonly stacks: Readonly<Record<string, Template>>,
    private readonly options: WorldOptions,
  ) {
    this.region = options.region;
    this.account = options.account;
  }

  /** The resource `logicalId` of `stack`; throws when there is none. */
  resource(stack: string, logicalId: string): { Type: string; Properties?: Json } {
    const found = this.stacks[stack]?.Resources[logicalId];
    if (!found) throw new Error(`no resource ${logicalId} in stack ${stack}`);
    return found;
  }

  /** Every resource of `type` in every stack, with its stack and logical id. */
  resourcesOfType(type: string): { stack: string; logicalId: string; properties: Json }[] {
    return Object.entries(this.stacks).flatMap(([stack, template]) =>
      Object.entries(template.Resources)
        .filter(([, resource]) => resource.Type === type)
        .map(([logicalId, resource]) => ({ stack, logicalId, properties: resource.Properties ?? {} })),
    );
  }

  /** `value` with every intrinsic function resolved, as evaluated in `stack`. */
  resolve(value: unknown, stack: string): unknown {
    if (Array.isArray(value)) return value.map((item) => this.resolve(item, stack));
    if (value === null || typeof value !== 'object') return value;
    const entries = Object.entries(value as Json);
    if (entries.length === 1) {
      const [[key, argument]] = entries as [[string, unknown]];
      switch (key) {
        case 'Ref':
          return this.ref(stack, String(argument));
        case 'Fn::GetAtt': {
          const [logicalId, attribute] = argument as [string, string];
          return this.getAtt(stack, logicalId, attribute);
        }
        case 'Fn::ImportValue':
          return this.importValue(String(this.resolve(argument, stack)));
        case 'Fn::Join': {
          const [separator, parts] = argument as [string, unknown[]];
          return (this.resolve(parts, stack) as unknown[]).map(String).join(separator);
        }
        case 'Fn::Select': {
          const [index, list] = argument as [number, unknown];
          return (this.resolve(list, stack) as unknown[])[Number(index)];
        }
        case 'Fn::Split': {
          const [separator, text] = argument as [string, unknown];
          return String(this.resolve(text, stack)).split(separator);
        }
        case 'Fn::Sub': {
          const [template, variables = {}] = (Array.isArray(argument) ? argument : [argument]) as [
            string,
            Json?,
          ];
          return template.replace(/\$\{([^}]+)\}/g, (_match, name: string) => {
            if (name in variables) return String(this.resolve(variables[name], stack));
            const [logicalId, attribute] = name.split('.') as [string, string?];
            return String(attribute ? this.getAtt(stack, logicalId, attribute) : this.ref(stack, logicalId));
          });
        }
        default:
          if (key.startsWith('Fn::')) throw new Error(`cannot resolve ${key}`);
      }
    }
    return Object.fromEntries(entries.map(([key, item]) => [key, this.resolve(item, stack)]));
  }

  /** The ARN of the resource `logicalId` of `stack`. */
  arn(stack: string, logicalId: string): string {
    return String(this.getAtt(stack, logicalId, 'Arn'));
  }

  private prefix(service: string, withAccount = true): string {
    return `arn:${this.partition}:${service}:${this.region}:${withAccount ? this.account : ''}`;
  }

  private physicalName(logicalId: string): string {
    return this.options.physicalNames?.[logicalId] ?? logicalId;
  }

  private ref(stack: string, logicalId: string): string {
    switch (logicalId) {
      case 'AWS::Partition':
        return this.partition;
      case 'AWS::Region':
        return this.region;
      case 'AWS::AccountId':
        return this.account;
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
      case 'AWS::StackName':
        return stack;
      case 'AWS::NoValue':
        return '';
    }
    const resource = this.stacks[stack]?.Resources[logicalId];
    if (!resource) {
      // A parameter (the deploy guard's): its default stands.
      return logicalId;
    }
    const name = this.physicalName(logicalId);
    switch (resource.Type) {
      case 'AWS::SQS::Queue':
        return `https://sqs.${this.region}.amazonaws.com/${this.account}/${name}`;
      case 'AWS::SNS::Topic':
        return `${this.prefix('sns')}:${name}`;
      case 'AWS::SecretsManager::Secret':
        return (
          this.options.physicalNames?.[logicalId] ?? `${this.prefix('secretsmanager')}:secret:${name}-AbCdEf`
        );
      case 'AWS::Events::EventBus':
        return String(resource.Properties?.Name ?? name);
      case 'AWS::KMS::Key':
        return name;
      default:
        return name;
    }
  }

  private getAtt(stack: string, logicalId: string, attribute: string): unknown {
    const resource = this.resource(stack, logicalId);
    const name = this.physicalName(logicalId);
    const key = `${resource.Type}.${attribute}`;
    switch (key) {
      case 'AWS::DynamoDB::Table.Arn':
        return `${this.prefix('dynamodb')}:table/${this.ref(stack, logicalId)}`;
      case 'AWS::SQS::Queue.Arn':
        return `${this.prefix('sqs')}:${name}`;
      case 'AWS::SQS::Queue.QueueName':
        return name;
      case 'AWS::SQS::Queue.QueueUrl':
        return this.ref(stack, logicalId);
      case 'AWS::Events::EventBus.Arn':
        return `${this.prefix('events')}:event-bus/${this.ref(stack, logicalId)}`;
      case 'AWS::Events::EventBus.Name':
        return this.ref(stack, logicalId);
      case 'AWS::Events::Archive.Arn':
        return `${this.prefix('events')}:archive/${name}`;
      case 'AWS::Events::Rule.Arn': {
        const bus = this.resolve(resource.Properties?.EventBusName ?? 'default', stack);
        return `${this.prefix('events')}:rule/${bus === 'default' ? '' : `${String(bus)}/`}${name}`;
      }
      case 'AWS::Lambda::Function.Arn':
        return `${this.prefix('lambda')}:function:${name}`;
      case 'AWS::IAM::Role.Arn':
        return `arn:${this.partition}:iam::${this.account}:role/${name}`;
      case 'AWS::KMS::Key.Arn':
        return `${this.prefix('kms')}:key/${name}`;
      case 'AWS::SNS::Topic.TopicArn':
        return this.ref(stack, logicalId);
      case 'AWS::SNS::Topic.TopicName':
        return name;
      case 'AWS::CloudWatch::Alarm.Arn':
        return `${this.prefix('cloudwatch')}:alarm:${name}`;
      case 'AWS::Logs::LogGroup.Arn':
        return `${this.prefix('logs')}:log-group:${name}:*`;
      case 'AWS::S3::Bucket.Arn':
        return `arn:${this.partition}:s3:::${name.toLowerCase()}`;
      case 'AWS::S3::Bucket.RegionalDomainName':
        return `${name.toLowerCase()}.s3.${this.region}.amazonaws.com`;
      case 'AWS::ApiGatewayV2::Api.ApiEndpoint':
        return `https://${name.toLowerCase()}.execute-api.${this.region}.amazonaws.com`;
      case 'AWS::CloudFront::Distribution.DomainName':
        return `${name.toLowerCase()}.cloudfront.net`;
      default:
        throw new Error(`no physical value for ${key} (${logicalId})`);
    }
  }

  private importValue(exportName: string): unknown {
    for (const [stack, template] of Object.entries(this.stacks)) {
      for (const output of Object.values(template.Outputs ?? {})) {
        if (output.Export?.Name === exportName) return this.resolve(output.Value, stack);
      }
    }
    throw new Error(`no stack exports ${exportName}`);
  }
}
