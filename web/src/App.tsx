import { useCallback, useEffect, useRef, useState } from 'react';
import { api, onUnauthorized } from './api.js';
import type { User } from './api.js';
import { Header } from './components/Header.js';
import { useI18n } from './i18n/index.js';
import { CasePage } from './pages/CasePage.js';
import { CasesPage } from './pages/CasesPage.js';
import { ImportPage } from './pages/ImportPage.js';
import { InboxPage } from './pages/InboxPage.js';
import { LegalPage } from './pages/LegalPage.js';
import { LettersPage } from './pages/LettersPage.js';
import { LoginPage } from './pages/LoginPage.js';
import { managerRoutes } from './pages/manager/index.js';
import { canImport, handlesLetters, hasInbox, hasLegalInbox, homePath } from './roles.js';
import { navigate, useRoute } from './router.js';
import type { Route } from './router.js';
import { clearSession, getUser } from './session.js';

const RETURN_KEY = 'cartera.returnTo';

/** The landing page of a role: its inbox, or the manager dashboard when it is mounted. */
export function landingPath(user: User): string {
  const mine = managerRoutes.filter((r) => r.roles.includes(user.role));
  const home = mine.find((r) => r.segment === 'dashboard') ?? mine[0];
  return homePath(user.role, home ? `/${home.segment}` : null);
}

export function App() {
  const route = useRoute();
  const [user, setUser] = useState<User | null>(getUser);
  const [expired, setExpired] = useState(false);
  const mainRef = useRef<HTMLElement>(null);

  // Any 401 from the API: forget the session and go back to sign-in.
  useEffect(() => {
    onUnauthorized(() => {
      setUser(null);
      setExpired(true);
    });
    return () => onUnauthorized(null);
  }, []);

  // Signed out: remember where the user was going, and show sign-in at #/login.
  const onLoginRoute = route.path === '/login';
  useEffect(() => {
    if (!user && !onLoginRoute) {
      const here = window.location.hash;
      if (here && here !== '#/' && here !== '#') sessionStorage.setItem(RETURN_KEY, here);
      navigate('/login', { replace: true });
    } else if (user && (onLoginRoute || route.path === '/')) {
      navigate(landingPath(user), { replace: true });
    }
  }, [user, onLoginRoute, route.path]);

  // Move focus to the page heading when the page (not just its query) changes.
  const firstRender = useRef(true);
  useEffect(() => {
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    const target = mainRef.current?.querySelector<HTMLElement>('h1') ?? mainRef.current;
    target?.focus();
  }, [route.path]);

  const handleLogin = useCallback((u: User) => {
    setUser(u);
    setExpired(false);
    const back = sessionStorage.getItem(RETURN_KEY);
    sessionStorage.removeItem(RETURN_KEY);
    navigate(back && !back.startsWith('#/login') ? back : landingPath(u), { replace: true });
  }, []);

  const handleLogout = useCallback(async () => {
    try {
      await api.logout();
    } catch {
      // the session is dropped locally whatever the server says
    }
    clearSession();
    sessionStorage.removeItem(RETURN_KEY);
    setExpired(false);
    setUser(null);
    navigate('/login', { replace: true });
  }, []);

  return (
    <div className="app">
      <Header user={user} currentPath={route.path} onLogout={handleLogout} />
      <main id="main" ref={mainRef} tabIndex={-1} className="main">
        {user ? (
          <Page route={route} user={user} />
        ) : (
          <LoginPage expired={expired} onLogin={handleLogin} />
        )}
      </main>
    </div>
  );
}

function Page({ route, user }: { route: Route; user: User }) {
  const { t, locale } = useI18n();
  const [first, second] = route.segments;
  if (first === 'cases' && !second) return <CasesPage params={route.params} />;
  if (first === 'cases' && second) return <CasePage key={second} id={second} user={user} />;
  if (first === 'inbox') {
    if (!hasInbox(user.role)) return <Message title={t('nav.inbox')} text={t('error.forbidden')} />;
    return <InboxPage params={route.params} user={user} />;
  }
  if (first === 'legal') {
    if (!hasLegalInbox(user.role))
      return <Message title={t('nav.legal')} text={t('error.forbidden')} />;
    return <LegalPage params={route.params} user={user} />;
  }
  if (first === 'imports') {
    if (!canImport(user.role))
      return <Message title={t('nav.import')} text={t('error.forbidden')} />;
    return <ImportPage importId={second ?? null} />;
  }
  // Cartas (#/letters, #/letters/<batch id>): collectors print and confirm their letters, as do
  // supervision and administration.
  if (first === 'letters') {
    if (!handlesLetters(user.role))
      return <Message title={t('nav.letters')} text={t('error.forbidden')} />;
    return (
      <LettersPage key={second ?? ''} batchId={second ?? null} params={route.params} user={user} />
    );
  }
  const managed = managerRoutes.find((r) => r.segment === first);
  if (managed) {
    if (!managed.roles.includes(user.role))
      return <Message title={managed.nav[locale]} text={t('error.forbidden')} />;
    return managed.render(route.params, user);
  }
  if (!first || first === 'login') return null; // redirecting
  return <Message title="404" text={t('error.notFound')} />;
}

function Message({ title, text }: { title: string; text: string }) {
  const { t } = useI18n();
  return (
    <div className="card">
      <h1 tabIndex={-1}>{title}</h1>
      <p role="alert">{text}</p>
      <p>
        <a href="#/cases">{t('nav.cases')}</a>
      </p>
    </div>
  );
}
