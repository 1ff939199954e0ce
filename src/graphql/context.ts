// Per request: who is calling, a fresh set of loaders, the shared services, a request id.
import type { Principal } from '../domain/auth/principal';
import type { Services } from '../domain/services';
import type { Loaders } from './loaders';

export interface Context {
  principal: Principal;
  loaders: Loaders;
  services: Services;
  requestId: string;
}
