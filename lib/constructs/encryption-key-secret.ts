import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

/** Settings of the master-key secret. */
export interface EncryptionKeySecretProps {
  /**
   * Length of the generated alphanumeric value; 64 characters carry about 380 bits, more than
   * the 256 the application derives its AES-256 keys from (SHA-256/HKDF).
   * @default 64
   */
  readonly length?: number;
  /**
   * What happens to the secret when the stack is deleted. Losing it makes every stored
   * webhook credential and signing secret unreadable.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** The Secrets Manager secret holding the master key that encrypts webhook secrets at rest. */
export class EncryptionKeySecret extends Construct {
  /** The secret; functions receive its ARN as ENCRYPTION_KEY_SECRET_ARN. */
  public readonly secret: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: EncryptionKeySecretProps = {}) {
    super(scope, id);
    const length = props.length ?? 64;
    if (!Number.isInteger(length) || length < 44 || length > 4096) {
      throw new Error(`EncryptionKeySecret: length must be an integer from 44 to 4096, got ${length}`);
    }

    this.secret = new secretsmanager.Secret(this, 'Secret', {
      description: 'chat-webhooks master key: encrypts webhook credentials and signing secrets at rest',
      generateSecretString: { passwordLength: length, excludePunctuation: true, includeSpace: false },
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });

    Validations.of(this.secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'This is a data-encryption key, not a credential: rotating it requires re-encrypting every stored ' +
        'webhook secret first, so it is rotated by a deliberate migration, never by an automatic schedule.',
    });
  }
}
