/** Signing in to the pages and out: the managed login's code flow with PKCE deployed, the local key's sign-in page locally. */
import { routeGroup } from '../shared/http/operation';
import { signInRoutes } from '../shared/route-groups/sign-in';
import { signInOperations } from '../shared/web/sign-in-operations';

export const handler = routeGroup(signInRoutes, signInOperations());
