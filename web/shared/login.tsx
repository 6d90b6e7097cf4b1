import { type FormEvent, type ReactNode, useEffect, useState } from 'react';
import { ApiError, login, restoreSession, type Session, setSession, whenUnauthorized } from './api';

function LoginForm({ title, onLogin }: { title: string; onLogin: (session: Session) => void }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onLogin(await login(email, password));
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'The hub could not be reached');
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="login">
      <form className="login-card" onSubmit={submit} aria-labelledby="login-title">
        <h1 id="login-title">{title}</h1>
        <label>
          Email
          <input
            type="email"
            autoComplete="username"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
        </label>
        <label>
          Password
          <input
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </label>
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}

/** Restores the cookie session or shows the login form; renders `children(session)` once signed in. */
export function SignedIn({
  title,
  children,
}: {
  title: string;
  children: (session: Session, signOut: () => void) => ReactNode;
}) {
  const [session, setLocal] = useState<Session | null | undefined>(undefined);

  useEffect(() => {
    whenUnauthorized(() => {
      setSession(null);
      setLocal(null);
    });
    let live = true;
    void restoreSession().then((restored) => {
      if (live) setLocal((now) => now ?? restored);
    });
    return () => {
      live = false;
    };
  }, []);

  if (session === undefined) return <p className="loading">Loading…</p>;
  if (session === null) return <LoginForm title={title} onLogin={setLocal} />;
  return <>{children(session, () => setLocal(null))}</>;
}
