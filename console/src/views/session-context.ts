/** The signed-in session, for every view below the shell. */
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { SignedIn } from '../state/session.js';

export const SessionContext = createContext<SignedIn | undefined>(undefined);

/** The session; only views under the signed-in shell call it. */
export function useSession(): SignedIn {
  const session = useContext(SessionContext);
  if (session === undefined) throw new Error('useSession outside the signed-in shell');
  return session;
}

/** Whether the session may change data (an admin key). */
export function useCanWrite(): boolean {
  return useSession().role === 'admin';
}
