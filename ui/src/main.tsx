import { createRoot } from 'react-dom/client';
import { ApolloProvider } from '@apollo/client/react';
import { createClient } from './apollo';
import { App } from './app';
import { RouterProvider } from './router';
import './styles.css';

const client = createClient();

createRoot(document.getElementById('root')!).render(
  <ApolloProvider client={client}>
    <RouterProvider>
      <App />
    </RouterProvider>
  </ApolloProvider>,
);
