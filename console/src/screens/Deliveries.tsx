/**
 * Deliveries: the whole tenant's delivery log, newest first, for "where did event X go?": search by
 * event id (every webhook's delivery of that event), status, event type and time range, each row
 * naming the webhook it went to. The list itself is the one a webhook's page shows (DeliveryList).
 */
import { DeliveryList } from '../components/DeliveryList';
import { ScreenHeading } from '../router';

export function DeliveriesScreen() {
  return (
    <>
      <ScreenHeading>Deliveries</ScreenHeading>
      <DeliveryList pageSize={50} />
    </>
  );
}
