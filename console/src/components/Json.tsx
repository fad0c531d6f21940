/** Text shown preformatted in a labelled region, scrollable on narrow screens and by keyboard. */
export function Preformatted({ text, label }: { text: string; label: string }) {
  return (
    <section className="json-region" aria-label={label}>
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be focusable to scroll by keyboard (WCAG 2.1.1). */}
      <pre className="json" tabIndex={0}>
        {text}
      </pre>
    </section>
  );
}

/** JSON shown as preformatted text. */
export function Json({ value, label }: { value: unknown; label: string }) {
  return <Preformatted text={JSON.stringify(value, null, 2) ?? 'null'} label={label} />;
}

/** An ISO timestamp in the reader's locale, with the exact value machine-readable. */
export function Time({ iso }: { iso: string | null | undefined }) {
  if (!iso) return <>—</>;
  const date = new Date(iso);
  return <time dateTime={iso}>{Number.isNaN(date.getTime()) ? iso : date.toLocaleString()}</time>;
}
