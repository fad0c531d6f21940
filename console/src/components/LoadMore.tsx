/** "Load more" under a paged list: fetches its next page; absent when there is none. */
import type { PagedList } from '../api/queries';

export function LoadMore<T>({ query, label = 'Load more' }: { query: PagedList<T>; label?: string }) {
  if (!query.hasNextPage) return null;
  return (
    <button
      type="button"
      className="button secondary"
      onClick={() => void query.fetchNextPage()}
      disabled={query.isFetchingNextPage}
    >
      {label}
    </button>
  );
}
