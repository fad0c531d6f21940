/**
 * Each Lambda function builds its services from exactly the environment its construct gives it
 * (read from the synthesized template), and holds only the ports its use case declares: a port it
 * does not use is not built at all (its type has no such member, and neither has the object).
 */
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { createServices } from '#composition';
import { type Config, loadConfig } from '#config';
import { buildApiServices } from '#functions/commons/api-services';
import { buildDeliveryServices } from '#functions/commons/delivery-services';
import { buildDlqProcessorServices } from '#functions/commons/dlq-processor-services';
import { buildFanOutDlqProcessorServices } from '#functions/commons/fan-out-dlq-processor-services';
import { buildFanOutServices } from '#functions/commons/fan-out-services';
import type { ServiceFunction } from '#lib/constructs/service-function';
import { buildStacks } from '#test/lib/cdk-fixtures';

type FunctionName = 'api' | 'fan-out' | 'delivery' | 'dlq-processor' | 'fan-out-dlq-processor';

let configs: Record<FunctionName, Config>;

beforeAll(() => {
  const { service, serviceTemplate } = buildStacks();
  const resources = serviceTemplate.toJSON().Resources as Record<
    string,
    { Properties: { Environment: { Variables: Record<string, unknown> } } }
  >;
  const configOf = (serviceFunction: ServiceFunction): Config => {
    const logicalId = service.getLogicalId(serviceFunction.function.node.defaultChild as CfnFunction);
    const variables = resources[logicalId]?.Properties.Environment.Variables ?? {};
    // Refs and Fn::GetAtt become plain strings, as Lambda hands them to the function.
    const environment = Object.fromEntries(
      Object.entries(variables).map(([name, value]) => [
        name,
        typeof value === 'string' ? value : `deployed-${name}`,
      ]),
    );
    return loadConfig(environment);
  };
  configs = {
    api: configOf(service.adminApi.api),
    'fan-out': configOf(service.eventIngest.fanOut),
    delivery: configOf(service.deliveryPipeline.delivery),
    'dlq-processor': configOf(service.deliveryPipeline.deadLetterProcessor),
    'fan-out-dlq-processor': configOf(service.eventIngest.deadLetterProcessor),
  };
}, 60_000);

describe('function services built from the deployed environment', () => {
  it('the full composition cannot start on a function environment without the DLQ and key settings', () => {
    // Why each function composes its own services: fan-out is given neither setting.
    expect(configs['fan-out'].DELIVERY_DLQ_URL).toBeUndefined();
    expect(configs['fan-out'].ENCRYPTION_KEY_SECRET_ARN).toBeUndefined();
    expect(() => createServices(configs['fan-out'])).toThrow(/must be set/);
  });

  it('fan-out builds the table and the queue, and nothing that decrypts, sends or publishes', async () => {
    const services = buildFanOutServices(configs['fan-out']);
    expect(configs['fan-out'].DELIVERY_QUEUE_URL).toBe('deployed-DELIVERY_QUEUE_URL');
    expect(typeof services.webhooks.get).toBe('function');
    expect(typeof services.rejectedEvents.put).toBe('function');
    expect(typeof services.deliveryQueue.enqueue).toBe('function');
    expect(services).not.toHaveProperty('cipher');
    expect(services).not.toHaveProperty('sender');
    expect(services).not.toHaveProperty('notices');
    // Fan-out is not given DELIVERY_DLQ_URL: its queue refuses to dead-letter instead of sending nowhere.
    await expect(services.deliveryQueue.deadLetter({} as never)).rejects.toThrow(
      /DELIVERY_DLQ_URL must be set/,
    );
  });

  it('the DLQ processor builds the table only: no notices (it publishes none), queue, cipher or sender', () => {
    const services = buildDlqProcessorServices(configs['dlq-processor']);
    expect(typeof services.failureLogs.put).toBe('function');
    expect(services).not.toHaveProperty('notices');
    expect(services).not.toHaveProperty('deliveryQueue');
    expect(services).not.toHaveProperty('cipher');
    expect(services).not.toHaveProperty('sender');
  });

  it('the fan-out DLQ processor builds the table (rejected events) and nothing else', () => {
    const services = buildFanOutDlqProcessorServices(configs['fan-out-dlq-processor']);
    expect(typeof services.rejectedEvents.put).toBe('function');
    expect(services.failureRetention.rejectedEventMs).toBe(30 * 86_400_000);
    expect(services).not.toHaveProperty('deliveryQueue');
    expect(services).not.toHaveProperty('notices');
    expect(services).not.toHaveProperty('cipher');
    expect(services).not.toHaveProperty('sender');
  });

  it('delivery builds every port it uses, its DLQ included', async () => {
    const services = buildDeliveryServices(configs.delivery);
    try {
      // Each port the use case declares is built.
      expect(typeof services.webhooks.get).toBe('function');
      expect(typeof services.deliveryQueue.deadLetter).toBe('function');
      expect(typeof services.cipher.decrypt).toBe('function');
      expect(typeof services.notices.webhookDisabled).toBe('function');
      expect(typeof services.sender.send).toBe('function');
      // The sender vets each destination through its own resolver; the use case never calls one.
      expect(services).not.toHaveProperty('resolver');
      expect(configs.delivery.DELIVERY_DLQ_URL).toBe('deployed-DELIVERY_DLQ_URL');
    } finally {
      await (services.sender as unknown as { close?: () => Promise<void> }).close?.();
    }
  });

  it('the API builds cursors, the cipher, the queue and the sender, but no notice publisher', () => {
    const services = buildApiServices(configs.api);
    expect(typeof services.cursors.encode).toBe('function');
    expect(typeof services.cipher.encrypt).toBe('function');
    expect(typeof services.deliveryQueue.enqueue).toBe('function');
    expect(typeof services.sender.send).toBe('function');
    expect(services).not.toHaveProperty('notices');
  });
});
