import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { SignedIn } from '../shared/login';
import '../shared/styles.css';
import { InboxApp } from './inbox-app';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <SignedIn title="CareLine inbox">
      {(session, signOut) => <InboxApp key={session.staff.id} session={session} onSignedOut={signOut} />}
    </SignedIn>
  </StrictMode>,
);
