import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { WithChannels } from '../shared/channels';
import { SignedIn } from '../shared/login';
import '../shared/styles.css';
import { SandboxPhone } from './sandbox-phone';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <SignedIn title="CareLine sandbox phone">
      {() => (
        <WithChannels>
          <SandboxPhone />
        </WithChannels>
      )}
    </SignedIn>
  </StrictMode>,
);
