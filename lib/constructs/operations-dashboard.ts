import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { COMMON_ENVIRONMENT } from './service-function';

/** Settings of the operations dashboard. */
export interface OperationsDashboardProps {
  readonly deliveryQueue: sqs.IQueue;
  readonly deliveryDeadLetterQueue: sqs.IQueue;
  readonly fanOutDeadLetterQueue: sqs.IQueue;
  /** Functions whose invocations and errors are charted, by display name. */
  readonly functions: Readonly<Record<string, lambda.IFunction>>;
  /** Alarms shown in an alarm-status widget. @default none */
  readonly alarms?: readonly cloudwatch.IAlarm[];
  /** @default a generated name */
  readonly dashboardName?: string;
}

/** One page for on-call: deliveries, failures, queue depth, function health. */
export class OperationsDashboard extends Construct {
  public readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: OperationsDashboardProps) {
    super(scope, id);
    const period = Duration.minutes(5);
    // Powertools metrics carry the service name as their only default dimension.
    const serviceMetric = (metricName: string, label: string) =>
      new cloudwatch.Metric({
        namespace: COMMON_ENVIRONMENT.POWERTOOLS_METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { service: COMMON_ENVIRONMENT.POWERTOOLS_SERVICE_NAME },
        statistic: 'Sum',
        period,
        label,
      });

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      ...(props.dashboardName ? { dashboardName: props.dashboardName } : {}),
    });
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Deliveries',
        width: 12,
        left: [
          serviceMetric('DeliveriesEnqueued', 'enqueued'),
          serviceMetric('DeliveriesSucceeded', 'succeeded'),
          serviceMetric('DeliveryRetriesScheduled', 'retries scheduled'),
        ],
      }),
      new cloudwatch.GraphWidget({
        title: 'Failures',
        width: 12,
        left: [
          serviceMetric('DeliveriesDeadLettered', 'dead-lettered'),
          serviceMetric('FailureLogsWritten', 'failure logs written'),
          serviceMetric('EventsRejected', 'events rejected'),
          serviceMetric('WebhooksAutoDisabled', 'webhooks auto-disabled'),
        ],
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Queue depth',
        width: 12,
        left: [
          props.deliveryQueue.metricApproximateNumberOfMessagesVisible({ period, label: 'delivery queue' }),
          props.deliveryDeadLetterQueue.metricApproximateNumberOfMessagesVisible({
            period,
            label: 'delivery DLQ',
          }),
          props.fanOutDeadLetterQueue.metricApproximateNumberOfMessagesVisible({
            period,
            label: 'fan-out DLQ',
          }),
        ],
        right: [
          props.deliveryQueue.metricApproximateAgeOfOldestMessage({ period, label: 'oldest delivery (s)' }),
        ],
      }),
      new cloudwatch.GraphWidget({
        title: 'Function errors',
        width: 12,
        left: Object.entries(props.functions).map(([name, fn]) =>
          fn.metricErrors({ period, statistic: 'Sum', label: name }),
        ),
      }),
    );
    if (props.alarms && props.alarms.length > 0) {
      this.dashboard.addWidgets(
        new cloudwatch.AlarmStatusWidget({ title: 'Alarms', width: 24, alarms: [...props.alarms] }),
      );
    }
  }
}
