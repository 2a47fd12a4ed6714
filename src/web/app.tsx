import { useEffect, useRef, useState } from 'preact/hooks';
import { tokenPrompt } from './api/auth.js';
import { Link } from './components/link.js';
import { TokenDialog } from './components/token-dialog.js';
import { useRoute } from './hooks/use-route.js';
import { BoardPage } from './pages/board-page.js';
import { InsightsPage } from './pages/insights-page.js';
import { NotFoundPage } from './pages/not-found-page.js';
import { PersonasPage } from './pages/personas-page.js';
import { PipelinePage } from './pages/pipeline-page.js';
import { PipelinesPage } from './pages/pipelines-page.js';
import { RunPage } from './pages/run-page.js';
import { SchedulesPage } from './pages/schedules-page.js';
import { StartRunPage } from './pages/start-run-page.js';
import type { Route } from './state/route.js';

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case 'board':
      return <BoardPage filter={route.filter} />;
    case 'run':
      return <RunPage key={route.id} id={route.id} />;
    case 'start':
      return <StartRunPage pipeline={route.pipeline} />;
    case 'pipelines':
      return <PipelinesPage />;
    case 'pipeline':
      return <PipelinePage key={route.name} name={route.name} />;
    case 'personas':
      return <PersonasPage />;
    case 'schedules':
      return <SchedulesPage />;
    case 'insights':
      return <InsightsPage />;
    case 'not-found':
      return <NotFoundPage path={route.path} />;
  }
}

/** What makes a page another page: filters and options changing in place do not count. */
function pageKey(route: Route): string {
  if (route.page === 'run') return `run:${route.id}`;
  if (route.page === 'pipeline') return `pipeline:${route.name}`;
  return route.page;
}

/** Which navigation entry a route belongs to (aria-current). */
function section(route: Route): string {
  if (route.page === 'board' || route.page === 'run') return 'runs';
  if (route.page === 'pipeline') return 'pipelines';
  return route.page;
}

function NavItem({ href, current, children }: { href: string; current: boolean; children: string }) {
  return (
    <li>
      <Link href={href} {...(current ? { 'aria-current': 'page' as const } : {})}>
        {children}
      </Link>
    </li>
  );
}

/** Forgets the token of this tab; shown only while there is one. */
function SignOut() {
  const [hasToken, setHasToken] = useState(tokenPrompt.token !== null);
  useEffect(() => tokenPrompt.subscribe(() => setHasToken(tokenPrompt.token !== null)), []);
  if (!hasToken) return null;
  return (
    <button
      type="button"
      class="button-secondary sign-out"
      onClick={() => {
        tokenPrompt.forget();
        setHasToken(false);
      }}
    >
      Forget token
    </button>
  );
}

export function App() {
  const route = useRoute();
  const first = useRef(true);
  const current = section(route);
  const key = pageKey(route);

  // After moving to another page, focus goes to its heading, as a page load would reset it.
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    document.querySelector<HTMLElement>('main h1')?.focus();
  }, [key]);

  return (
    <>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="site-header">
        <Link href="/" class="brand">
          Wave
        </Link>
        <nav aria-label="Main">
          <ul>
            <NavItem href="/" current={current === 'runs'}>
              Runs
            </NavItem>
            <NavItem href="/new" current={current === 'start'}>
              Start run
            </NavItem>
            <NavItem href="/pipelines" current={current === 'pipelines'}>
              Pipelines
            </NavItem>
            <NavItem href="/personas" current={current === 'personas'}>
              Personas
            </NavItem>
            <NavItem href="/schedules" current={current === 'schedules'}>
              Schedules
            </NavItem>
            <NavItem href="/insights" current={current === 'insights'}>
              Insights
            </NavItem>
          </ul>
        </nav>
        <SignOut />
      </header>
      <main id="main">
        <Page route={route} />
      </main>
      <TokenDialog />
    </>
  );
}
