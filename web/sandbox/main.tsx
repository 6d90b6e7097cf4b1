import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { SignedIn } from '../shared/login';
import '../shared/styles.css';
import { SandboxPhone } from './sandbox-phone';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <SignedIn title="CareLine sandbox phone">{() => <SandboxPhone />}</SignedIn>
  </StrictMode>,
);
