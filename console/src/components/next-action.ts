/**
 * Errors that say what to do next: an API error whose cure is one action (a redelivery to an
 * inactive webhook: activate it) comes with that action, instead of a bare code or API path.
 */
import { useQueryClient } from '@tanstack/react-query';
import { ApiError, ok } from '../api/client';
import { queryKeys } from '../api/queries';
import { errorText, useConsole } from '../context';
import { useNotice } from '../notices';

/** Shows `error` in the notice area, with "Activate" when the webhook `webhookId` is inactive. */
export function useErrorNotice(): (error: unknown, webhookId?: string) => void {
  const { api } = useConsole();
  const notice = useNotice();
  const queryClient = useQueryClient();
  return (error, webhookId) => {
    if (error instanceof ApiError && error.code === 'webhook_inactive' && webhookId) {
      notice(
        'This webhook is inactive, so nothing can be sent to it. Activate it, then try again.',
        'error',
        {
          label: 'Activate',
          run: () =>
            void api
              .POST('/v1/webhooks/{id}/activate', { params: { path: { id: webhookId } } })
              .then((response) => {
                ok(response);
                notice('The webhook is active again. Try again now.');
                return queryClient.invalidateQueries({ queryKey: queryKeys.webhooks.all });
              })
              .catch((failure: unknown) => notice(errorText(failure), 'error')),
        },
      );
      return;
    }
    notice(errorText(error), 'error');
  };
}
