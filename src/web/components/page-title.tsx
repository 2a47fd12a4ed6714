import type { ComponentChildren } from 'preact';
import { useEffect } from 'preact/hooks';

/** The page's one <h1>, also the document title; focus lands on it after navigation. */
export function PageTitle({ title, children }: { title: string; children?: ComponentChildren }) {
  useEffect(() => {
    document.title = `${title} · Wave`;
  }, [title]);
  return (
    <h1 tabIndex={-1} class="page-title">
      {children ?? title}
    </h1>
  );
}
