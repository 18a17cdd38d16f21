import type { User } from '../api.js';
import { LOCALES, isLocale, useI18n } from '../i18n/index.js';
import type { I18n } from '../i18n/index.js';
import { managerRoutes } from '../pages/manager/index.js';
import { canImport, handlesLetters, hasInbox, isSupervisor } from '../roles.js';

interface Props {
  user: User | null;
  currentPath: string;
  onLogout: () => void;
}

interface NavLink {
  to: string;
  label: string;
  testId: string;
}

/**
 * The links a role sees, in working order: collector → inbox, cases, letters; legal → legal
 * inbox, cases; manager/admin → dashboard, inbox, cases, the other manager pages, letters,
 * import.
 */
function navLinks(user: User, { t, locale }: Pick<I18n, 't' | 'locale'>): NavLink[] {
  const managed = managerRoutes
    .filter((r) => r.roles.includes(user.role))
    .map((r) => ({ to: `/${r.segment}`, label: r.nav[locale], testId: `nav-${r.segment}` }));
  const dashboard = managed.filter((l) => l.to === '/dashboard');
  const others = managed.filter((l) => l.to !== '/dashboard');
  const inbox: NavLink[] =
    user.role === 'legal'
      ? [{ to: '/legal', label: t('nav.legal'), testId: 'nav-legal' }]
      : hasInbox(user.role)
        ? [
            {
              to: '/inbox',
              label: isSupervisor(user.role) ? t('nav.inboxTeam') : t('nav.inbox'),
              testId: 'nav-inbox',
            },
          ]
        : [];
  return [
    ...dashboard,
    ...inbox,
    { to: '/cases', label: t('nav.cases'), testId: 'nav-cases' },
    ...others,
    ...(handlesLetters(user.role)
      ? [{ to: '/letters', label: t('nav.letters'), testId: 'nav-letters' }]
      : []),
    ...(canImport(user.role)
      ? [{ to: '/imports', label: t('nav.import'), testId: 'nav-import' }]
      : []),
  ];
}

export function Header({ user, currentPath, onLogout }: Props) {
  const { t, tv, locale, setLocale } = useI18n();
  const links = user ? navLinks(user, { t, locale }) : [];

  return (
    <header className="app-header">
      <a
        className="skip-link"
        href="#main"
        onClick={(e) => {
          e.preventDefault();
          document.getElementById('main')?.focus();
        }}
      >
        {t('app.skip')}
      </a>
      <div className="brand">
        <span className="brand-name">{t('app.name')}</span>
        <span className="brand-unit">{t('app.unit')}</span>
      </div>
      {links.length > 0 && (
        <nav aria-label={t('nav.label')} className="main-nav">
          <ul>
            {links.map((l) => {
              const active = currentPath === l.to || currentPath.startsWith(`${l.to}/`);
              return (
                <li key={l.to}>
                  <a
                    href={`#${l.to}`}
                    aria-current={active ? 'page' : undefined}
                    data-testid={l.testId}
                  >
                    {l.label}
                  </a>
                </li>
              );
            })}
          </ul>
        </nav>
      )}
      <div className="header-tools">
        <label className="locale-switch">
          <span>{t('header.language')}</span>
          <select
            value={locale}
            data-testid="locale-select"
            onChange={(e) => {
              if (isLocale(e.target.value)) setLocale(e.target.value);
            }}
          >
            {LOCALES.map((l) => (
              <option key={l} value={l} lang={l}>
                {t(`locale.${l}`)}
              </option>
            ))}
          </select>
        </label>
        {user && (
          <>
            <span
              className="user-chip"
              data-testid="current-user"
              title={t('header.signedInAs', { name: user.username })}
            >
              <span className="user-name">{user.displayName}</span>
              <span className="user-role">{tv('role', user.role)}</span>
            </span>
            <button
              type="button"
              className="btn btn-header"
              onClick={onLogout}
              data-testid="logout-button"
            >
              {t('header.logout')}
            </button>
          </>
        )}
      </div>
    </header>
  );
}
