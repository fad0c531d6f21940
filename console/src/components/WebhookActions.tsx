/**
 * The seed's kebab menu (docs/contract.md#console: button "More actions for <name>"): Edit, Send test (a dialog
 * to pick the event type), Deactivate/Activate, Rotate secret, Delete (confirmed in an alertdialog
 * with "Yes, Delete").
 * React Aria gives the menu and dialog their roles, focus handling and keyboard behaviour.
 */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import {
  Button,
  Dialog,
  Heading,
  Label,
  ListBox,
  ListBoxItem,
  Menu,
  MenuItem,
  MenuTrigger,
  Modal,
  Popover,
  Radio,
  RadioGroup,
  Select,
  SelectValue,
} from 'react-aria-components';
import { ok, type Webhook } from '../api/client';
import { queryKeys } from '../api/queries';
import { errorText, useConsole } from '../context';
import { useEventNames } from '../event-names';
import { useNotice } from '../notices';
import { navigate, pathTo } from '../router';
import { CopyButton } from './CopyButton';
import { Time } from './Json';

/** Said with every test result: a test probes the endpoint and is not the delivery path's evidence (docs/contract.md#delivery-log). */
const TEST_NOT_IN_HEALTH = 'Tests do not count toward health.';

/** How long the replaced secret keeps signing: the choices the rotation dialog offers, in seconds. */
const OVERLAPS = [
  { id: '0', label: 'Now (receivers still on the old secret start failing at once)', seconds: 0 },
  { id: '86400', label: '24 hours', seconds: 86_400 },
  { id: '604800', label: '7 days', seconds: 604_800 },
] as const;

type Action = 'edit' | 'test' | 'toggle' | 'rotate' | 'delete';

/** The row's menu; absent for a read-only portal session, as every action in it writes. */
export function WebhookActions(props: { webhook: Webhook; afterDelete?: () => void }) {
  const { session } = useConsole();
  return session.canManage ? <WebhookActionsMenu {...props} /> : null;
}

function WebhookActionsMenu({ webhook, afterDelete }: { webhook: Webhook; afterDelete?: () => void }) {
  const { api } = useConsole();
  const queryClient = useQueryClient();
  const notice = useNotice();
  const [confirmingDelete, setConfirmingDelete] = useState(false);
  const [confirmingRotate, setConfirmingRotate] = useState(false);
  const [choosingTest, setChoosingTest] = useState(false);
  // webhook.test by default: a payload no receiver mistakes for a real event.
  const [testType, setTestType] = useState('webhook.test');
  const { eventName, deliveryTypes } = useEventNames();
  const [overlap, setOverlap] = useState('86400');
  const [newSecret, setNewSecret] = useState<
    { secret: string; previousExpiresAt: string | null } | undefined
  >();
  const path = { params: { path: { id: webhook.id } } };
  const refresh = () => queryClient.invalidateQueries({ queryKey: queryKeys.webhooks.all });

  const mutation = useMutation({
    mutationFn: async (action: Exclude<Action, 'edit'>) => {
      switch (action) {
        case 'test': {
          const result = ok(
            await api.POST('/v1/webhooks/{id}/test', { ...path, body: { eventType: testType } }),
          );
          setChoosingTest(false);
          return result.delivered
            ? `Test delivered to ${webhook.name}: HTTP ${result.statusCode} in ${result.durationMs} ms. ${TEST_NOT_IN_HEALTH}`
            : `Test to ${webhook.name} failed${result.statusCode ? ` with HTTP ${result.statusCode}` : ''}: ${result.error ?? 'no 2xx answer'}. ${TEST_NOT_IN_HEALTH}`;
        }
        case 'toggle': {
          const route =
            webhook.status === 'active' ? '/v1/webhooks/{id}/deactivate' : '/v1/webhooks/{id}/activate';
          const updated = ok(await api.POST(route, path));
          return `${webhook.name} is now ${updated.status}.`;
        }
        case 'rotate': {
          const rotated = ok(
            await api.POST('/v1/webhooks/{id}/rotate-secret', {
              ...path,
              body: { previousSecretExpiresIn: Number(overlap) },
            }),
          );
          setConfirmingRotate(false);
          setNewSecret({ secret: rotated.signingSecret, previousExpiresAt: rotated.previousSecretExpiresAt });
          return `Signing secret of ${webhook.name} rotated.`;
        }
        case 'delete': {
          ok(await api.DELETE('/v1/webhooks/{id}', path));
          return `${webhook.name} was deleted.`;
        }
      }
    },
    onSuccess: async (message, action) => {
      notice(message);
      if (action === 'delete') {
        setConfirmingDelete(false);
        queryClient.removeQueries({ queryKey: queryKeys.webhooks.one(webhook.id) });
        afterDelete?.();
      }
      await refresh();
    },
    onError: (error) => notice(errorText(error), 'error'),
  });

  const onAction = (key: Action) => {
    if (key === 'edit') navigate(pathTo('editWebhook', { id: webhook.id }));
    else if (key === 'delete') setConfirmingDelete(true);
    else if (key === 'rotate') setConfirmingRotate(true);
    else if (key === 'test') setChoosingTest(true);
    else mutation.mutate(key);
  };

  return (
    <>
      <MenuTrigger>
        <Button className="icon-button" aria-label={`More actions for ${webhook.name}`}>
          <span aria-hidden="true">⋮</span>
        </Button>
        <Popover className="popover" placement="bottom end">
          <Menu className="menu" onAction={(key) => onAction(key as Action)}>
            <MenuItem className="menu-item" id="edit">
              Edit
            </MenuItem>
            <MenuItem className="menu-item" id="test">
              Send test
            </MenuItem>
            <MenuItem className="menu-item" id="toggle">
              {webhook.status === 'active' ? 'Deactivate' : 'Activate'}
            </MenuItem>
            <MenuItem className="menu-item" id="rotate">
              Rotate secret
            </MenuItem>
            <MenuItem className="menu-item danger" id="delete">
              Delete
            </MenuItem>
          </Menu>
        </Popover>
      </MenuTrigger>

      <Modal className="modal" isDismissable isOpen={confirmingDelete} onOpenChange={setConfirmingDelete}>
        <Dialog role="alertdialog" className="dialog">
          {({ close }) => (
            <>
              <Heading slot="title">Delete {webhook.name}?</Heading>
              <p>
                The webhook and its setup are removed permanently; nothing more is delivered to {webhook.url}.
              </p>
              <div className="actions">
                <Button className="button secondary" onPress={close} autoFocus>
                  Cancel
                </Button>
                <Button
                  className="button danger"
                  isDisabled={mutation.isPending}
                  onPress={() => mutation.mutate('delete')}
                >
                  Yes, Delete
                </Button>
              </div>
            </>
          )}
        </Dialog>
      </Modal>

      <Modal className="modal" isDismissable isOpen={choosingTest} onOpenChange={setChoosingTest}>
        <Dialog className="dialog">
          {({ close }) => (
            <>
              <Heading slot="title">Send a test to {webhook.name}</Heading>
              <p>
                One delivery now, signed as usual, of the chosen type's sample payload. It shows in the
                delivery log as a test and does not count in the webhook's health.
              </p>
              <Select
                className="field"
                selectedKey={testType}
                onSelectionChange={(key) => key !== null && setTestType(String(key))}
              >
                <Label>Event type</Label>
                <Button className="button secondary">
                  <SelectValue />
                  <span aria-hidden="true"> ▾</span>
                </Button>
                <Popover className="popover">
                  <ListBox className="menu">
                    {['webhook.test', ...deliveryTypes.filter((type) => type !== 'webhook.test')].map(
                      (type) => (
                        <ListBoxItem key={type} id={type} className="menu-item" textValue={eventName(type)}>
                          {eventName(type)} ({type})
                        </ListBoxItem>
                      ),
                    )}
                  </ListBox>
                </Popover>
              </Select>
              <div className="actions">
                <Button className="button secondary" onPress={close}>
                  Cancel
                </Button>
                <Button
                  className="button"
                  isDisabled={mutation.isPending}
                  onPress={() => mutation.mutate('test')}
                >
                  Send test
                </Button>
              </div>
            </>
          )}
        </Dialog>
      </Modal>

      <Modal className="modal" isDismissable isOpen={confirmingRotate} onOpenChange={setConfirmingRotate}>
        <Dialog role="alertdialog" className="dialog">
          {({ close }) => (
            <>
              <Heading slot="title">Rotate the signing secret of {webhook.name}?</Heading>
              <p>
                A new secret signs every delivery from now on. Receivers must be given it; until the old
                secret ends, deliveries carry both signatures, so receivers keep working while they move.
              </p>
              <RadioGroup className="radio-group" value={overlap} onChange={setOverlap}>
                <Label>The old secret keeps signing</Label>
                {OVERLAPS.map((choice) => (
                  <Radio key={choice.id} value={choice.id} className="radio">
                    {choice.label}
                  </Radio>
                ))}
              </RadioGroup>
              <div className="actions">
                <Button className="button secondary" onPress={close} autoFocus>
                  Cancel
                </Button>
                <Button
                  className="button"
                  isDisabled={mutation.isPending}
                  onPress={() => mutation.mutate('rotate')}
                >
                  Rotate secret
                </Button>
              </div>
            </>
          )}
        </Dialog>
      </Modal>

      <Modal
        className="modal"
        isDismissable
        isOpen={newSecret !== undefined}
        onOpenChange={() => setNewSecret(undefined)}
      >
        <Dialog className="dialog">
          {({ close }) => (
            <>
              <Heading slot="title">New signing secret</Heading>
              <p>
                {newSecret?.previousExpiresAt && Date.parse(newSecret.previousExpiresAt) > Date.now() ? (
                  <>
                    The old secret keeps signing until <Time iso={newSecret.previousExpiresAt} />; give
                    receivers this one before then.
                  </>
                ) : (
                  'The old secret no longer signs: receivers need this one now.'
                )}
              </p>
              <p>
                <code className="secret">{newSecret?.secret}</code>
              </p>
              <div className="actions">
                <CopyButton text={newSecret?.secret ?? ''} label="Copy secret" />
                <Button className="button secondary" onPress={close}>
                  Close
                </Button>
              </div>
            </>
          )}
        </Dialog>
      </Modal>
    </>
  );
}
