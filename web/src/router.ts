// Client-side routes: the server answers every non-API path with the app, which shows the page the
// path names; links change the path with the History API (no reload).
import { useEffect, useState } from 'react';

export function navigate(path: string): void {
  if (path === location.pathname + location.search) return;
  history.pushState(null, '', path);
  dispatchEvent(new PopStateEvent('popstate'));
}

export function useLocation(): { path: string; search: URLSearchParams } {
  const [current, setCurrent] = useState(() => location.pathname + location.search);
  useEffect(() => {
    const update = () => {
      setCurrent(location.pathname + location.search);
    };
    addEventListener('popstate', update);
    return () => {
      removeEventListener('popstate', update);
    };
  }, []);
  const url = new URL(current, location.origin);
  return { path: url.pathname, search: url.searchParams };
}
