import { useState } from 'react';
import type { FormEvent } from 'react';
import { api } from '../api.js';
import type { User } from '../api.js';
import { ErrorAlert } from '../components/ErrorAlert.js';
import { useI18n } from '../i18n/index.js';
import { saveSession } from '../session.js';
import { useTitle } from '../useTitle.js';

interface Props {
  expired: boolean;
  onLogin: (user: User) => void;
}

export function LoginPage({ expired, onLogin }: Props) {
  const { t } = useI18n();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  useTitle(t('login.title'));

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    if (!username.trim() || !password) {
      setError(t('login.required'));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const res = await api.login(username.trim(), password);
      saveSession(res.token, res.user);
      onLogin(res.user);
    } catch (err) {
      setError(err);
      setPassword('');
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="login-page">
      <form
        className="card login-card"
        onSubmit={submit}
        noValidate
        data-testid="login-form"
        aria-labelledby="login-title"
      >
        <h1 id="login-title" tabIndex={-1}>
          {t('login.title')}
        </h1>
        <p className="muted">{t('login.intro')}</p>
        {expired && !error && (
          <p className="alert alert-info" role="status">
            {t('login.expired')}
          </p>
        )}
        <ErrorAlert error={error} />
        <div className="field">
          <label htmlFor="login-username">{t('login.username')}</label>
          <input
            id="login-username"
            name="username"
            autoComplete="username"
            autoCapitalize="none"
            spellCheck={false}
            required
            value={username}
            onChange={(e) => setUsername(e.target.value)}
            data-testid="login-username"
          />
        </div>
        <div className="field">
          <label htmlFor="login-password">{t('login.password')}</label>
          <input
            id="login-password"
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            data-testid="login-password"
          />
        </div>
        <button
          type="submit"
          className="btn btn-primary btn-block"
          disabled={busy}
          data-testid="login-submit"
        >
          {busy ? t('login.submitting') : t('login.submit')}
        </button>
      </form>
    </div>
  );
}
