import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { WithChannels } from '../shared/channels';
import { SignedIn } from '../shared/login';
import '../shared/styles.css';
import { InboxApp } from './inbox-app';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <SignedIn title="CareLine inbox">
      {(session, signOut) => (
        <WithChannels>
          <InboxApp key={session.staff.id} session={session} onSignedOut={signOut} />
        </WithChannels>
      )}
    </SignedIn>
  </StrictMode>,
);
