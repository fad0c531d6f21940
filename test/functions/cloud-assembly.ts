/**
 * What the bundle tests need from a synthesised cloud assembly: each function's bundle and handler,
 * and its environment with every resource reference resolved to a local stand-in.
 */
import { join } from 'node:path';

type Json = Record<string, unknown>;
export interface CfnTemplate {
  Resources: Record<string, { Type: string; Properties?: Json; Metadata?: Json }>;
  Outputs?: Record<string, { Value: unknown; Export?: { Name: string } }>;
}

/** A function of the service stack as the assembly holds it. */
export interface AssembledFunction {
  logicalId: string;
  /** The bundled file to load, e.g. `<outdir>/asset.<hash>/index.mjs`. */
  bundlePath: string;
  /** The export the template's Handler names. */
  handlerExport: string;
  /** Environment.Variables as in the template, references unresolved. */
  variables: Record<string, unknown>;
}

/** The functions of `template`, by the prefix of their logical ids. */
export function assembledFunctions(template: CfnTemplate, outdir: string): AssembledFunction[] {
  return Object.entries(template.Resources)
    .filter(([, resource]) => resource.Type === 'AWS::Lambda::Function')
    .map(([logicalId, resource]) => {
      // The CLI records the asset's directory in metadata; without it, the S3 key names the asset's hash.
      const s3Key = (resource.Properties?.Code as { S3Key?: unknown } | undefined)?.S3Key;
      const assetPath =
        resource.Metadata?.['aws:asset:path'] ??
        (typeof s3Key === 'string' ? `asset.${s3Key.replace(/\.zip$/, '')}` : undefined);
      const handler = String(resource.Properties?.Handler ?? '');
      const [file, handlerExport] = handler.split('.');
      if (typeof assetPath !== 'string' || !file || !handlerExport) {
        throw new Error(`${logicalId} has no bundled asset or handler in the assembly`);
      }
      const environment = resource.Properties?.Environment as
        | { Variables?: Record<string, unknown> }
        | undefined;
      return {
        logicalId,
        bundlePath: join(outdir, assetPath, `${file}.mjs`),
        handlerExport,
        variables: environment?.Variables ?? {},
      };
    });
}

/** What a reference to a stateful resource stands for locally. */
export interface LocalResources {
  region: string;
  account: string;
  tableName: string;
  /** The secret's ARN, as Secrets Manager would name it. */
  secretArn: string;
}

/** The AWS-style URL of the queue with this logical id; the local SQS finds queues by the last segment. */
/** A queue's local stand-in name: its logical id, with `.fifo` for a FIFO queue (as SQS requires). */
export function queueNameOf(logicalId: string, resource: { Properties?: Record<string, unknown> }): string {
  return resource.Properties?.FifoQueue === true ? `${logicalId}.fifo` : logicalId;
}

export function awsQueueUrl(local: LocalResources, logicalId: string): string {
  return `https://sqs.${local.region}.amazonaws.com/${local.account}/${logicalId}`;
}

/**
 * Resolves one environment value of the service stack: literals as they are, cross-stack imports
 * through the stateful stack's exports to the local stand-in of the resource. Anything else throws,
 * so a template that gains a reference these tests cannot stand in for fails loudly.
 */
export function resolveVariable(value: unknown, stateful: CfnTemplate, local: LocalResources): string {
  if (typeof value === 'string') return value;
  const imported = (value as { 'Fn::ImportValue'?: unknown } | null)?.['Fn::ImportValue'];
  if (typeof imported === 'string') {
    const output = Object.values(stateful.Outputs ?? {}).find(
      (candidate) => candidate.Export?.Name === imported,
    );
    if (!output) throw new Error(`no export named ${imported} in the stateful stack`);
    return resolveStatefulReference(output.Value, stateful, local);
  }
  // The console's URL (CONSOLE_URL): `https://` joined to its distribution's domain, in this stack.
  const joined = (value as { 'Fn::Join'?: [string, unknown[]] } | null)?.['Fn::Join'];
  if (joined) {
    return joined[1]
      .map((part) => {
        const domain = (part as { 'Fn::GetAtt'?: [string, string] } | null)?.['Fn::GetAtt'];
        if (domain?.[1] === 'DomainName') return `${domain[0].toLowerCase()}.cloudfront.example`;
        return resolveVariable(part, stateful, local);
      })
      .join(joined[0]);
  }
  throw new Error(`cannot resolve ${JSON.stringify(value)}`);
}

function resolveStatefulReference(value: unknown, stateful: CfnTemplate, local: LocalResources): string {
  const reference = value as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
  const logicalId = reference.Ref ?? reference['Fn::GetAtt']?.[0];
  const attribute = reference.Ref ? 'Ref' : reference['Fn::GetAtt']?.[1];
  const resource = logicalId ? stateful.Resources[logicalId] : undefined;
  if (!logicalId || !resource) throw new Error(`cannot resolve ${JSON.stringify(value)}`);
  const key = `${resource.Type}.${attribute}`;
  switch (key) {
    case 'AWS::DynamoDB::Table.Ref':
      return local.tableName;
    case 'AWS::SQS::Queue.Ref':
      return awsQueueUrl(local, queueNameOf(logicalId, resource));
    case 'AWS::SQS::Queue.QueueName':
      return queueNameOf(logicalId, resource);
    case 'AWS::SecretsManager::Secret.Ref':
      return local.secretArn;
    case 'AWS::Events::EventBus.Ref':
    case 'AWS::Events::EventBus.Name':
      return String(resource.Properties?.Name);
    default:
      throw new Error(`no local stand-in for ${key} (${logicalId})`);
  }
}
