import { Link } from '../components/link.js';
import { PageTitle } from '../components/page-title.js';

export function NotFoundPage({ path }: { path: string }) {
  return (
    <>
      <PageTitle title="Not found" />
      <p>
        Nothing lives at <code>{path}</code>. Go to the <Link href="/">runs board</Link>.
      </p>
    </>
  );
}
