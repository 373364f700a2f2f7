// Who is logged in. `session.mode` is 'none' when this gantry has no login routes yet (404): the
// dashboard then works without one and says so in the header.
import { Session, currentSession, login, logout, setCsrf } from './api';
import { h } from './ui';

export const session = { user: '', role: '', mode: 'unknown' as 'unknown' | 'none' | 'in' | 'out' };

function apply(s: Session | null | 'none'): void {
  if (s === 'none') Object.assign(session, { user: '', role: '', mode: 'none' });
  else if (s === null) Object.assign(session, { user: '', role: '', mode: 'out' });
  else {
    Object.assign(session, { user: s.user, role: s.role, mode: 'in' });
    setCsrf(s.csrf);
  }
}

export async function checkSession(): Promise<void> {
  apply(await currentSession());
}

export async function signOut(): Promise<void> {
  try {
    await logout();
  } catch {
    /* already gone */
  }
  apply(null);
}

/** The login form; resolves once a login succeeded. */
export function loginForm(root: HTMLElement): Promise<void> {
  return new Promise((resolve) => {
    const user = h('input', { name: 'user', autocomplete: 'username', required: true, autofocus: true });
    const password = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true });
    const error = h('p', { class: 'error', role: 'alert' });
    const form = h('form', { class: 'login' },
      h('h1', {}, 'Gantry'), h('label', {}, 'User', user), h('label', {}, 'Password', password), error,
      h('button', { type: 'submit', class: 'big primary' }, 'Log in'));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      error.textContent = '';
      try {
        apply(await login(user.value, password.value));
        resolve();
      } catch (err) {
        const status = (err as { status?: number }).status;
        error.textContent = status === 401 || status === 403 ? 'Wrong user or password.'
          : status === 429 ? 'Too many attempts; wait a minute.' : `Login failed: ${String(err)}`;
      }
    });
    root.replaceChildren(form);
  });
}
