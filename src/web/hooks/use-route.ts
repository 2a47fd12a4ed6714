import { useEffect, useState } from 'preact/hooks';
import { parseRoute, type Route } from '../state/route.js';

const NAVIGATED = 'wave:navigated';

/** Goes to an in-app URL without reloading the page. */
export function navigate(href: string, opts: { replace?: boolean } = {}): void {
  if (href === location.pathname + location.search) return;
  if (opts.replace) history.replaceState(null, '', href);
  else history.pushState(null, '', href);
  window.dispatchEvent(new Event(NAVIGATED));
}

const current = () => parseRoute(location.pathname, location.search);

/** The route of the current URL, following links, back and forward. */
export function useRoute(): Route {
  const [route, setRoute] = useState<Route>(current);
  useEffect(() => {
    const update = () => setRoute(current());
    window.addEventListener('popstate', update);
    window.addEventListener(NAVIGATED, update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener(NAVIGATED, update);
    };
  }, []);
  return route;
}
