// Entry point: mounts the app. Everything else lives in components/, store/, connection/, diagram/ and terminal/.

import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './components/App.js';
import './styles.css';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
