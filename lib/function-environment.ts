/**
 * The settings the stack writes into the functions' environments, judged by src/config.ts: the
 * functions read them with the same schema, so a value the stack deploys is one they start with.
 */
import { type Duration, Token } from 'aws-cdk-lib';
import { type ConfigEnvironment, type ConfigKey, readConfigValue } from '#config';

/**
 * A Lambda function's own environment: only variables config.ts reads, by their names (values are
 * text or CloudFormation references). A misspelt or removed name fails typecheck.
 */
export type FunctionEnvironment = ConfigEnvironment;

/**
 * Returns `text` (the environment text of construct prop `prop`, for variable `key`) once config.ts
 * accepts it; references resolved at deploy time (tokens) pass unjudged.
 * @throws Error `<construct>: <prop> (<key>=<text>) <config's reason>` when config.ts refuses it.
 */
export function configSetting(construct: string, prop: string, key: ConfigKey, text: string): string {
  if (Token.isUnresolved(text)) return text;
  try {
    readConfigValue(key, text);
  } catch (error) {
    const reason = (error as Error).message.replace(`${key}: `, '');
    throw new Error(`${construct}: ${prop} (${key}=${JSON.stringify(text)}) is invalid: ${reason}`);
  }
  return text;
}

/**
 * The one rule about DELIVERY_TIMEOUT_MS that config.ts cannot judge, since only the stack knows the
 * function it runs in: an attempt (milliseconds) must end before the function's own timeout.
 * @throws Error naming `deliveryTimeout` when it does not.
 */
export function assertAttemptFitsFunction(
  construct: string,
  deliveryTimeoutMs: number,
  functionTimeout: Duration,
): void {
  if (deliveryTimeoutMs >= functionTimeout.toMilliseconds()) {
    throw new Error(
      `${construct}: deliveryTimeout (${deliveryTimeoutMs} ms) must be shorter than the function timeout ` +
        `(${functionTimeout.toSeconds()} s)`,
    );
  }
}
