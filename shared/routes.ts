import type { RouteSpec } from './http/route-spec';
import { agreementRoutes } from './route-groups/agreements';
import { challengeRoutes } from './route-groups/challenges';
import { councilRoutes } from './route-groups/councils';
import { membershipRoutes } from './route-groups/membership';
import { moneyRoutes } from './route-groups/money';
import { ocdsRoutes } from './route-groups/ocds';
import { subscriptionRoutes } from './route-groups/subscriptions';
import { systemRoutes } from './route-groups/system';
import { signInRoutes } from './route-groups/sign-in';
import { webRoutes } from './route-groups/web';

export type { HttpMethod, RouteSpec } from './http/route-spec';

/**
 * The route table: the one source of truth for method, path and the function
 * that serves it. CDK builds one Lambda per `fn` and one API route per entry;
 * the local hub matches requests against the same list; the OpenAPI document
 * is generated from the schemas named here, which also validate requests.
 * Each resource group keeps its entries in shared/route-groups/.
 */
export const routes = {
  ...systemRoutes,
  ...councilRoutes,
  ...challengeRoutes,
  ...membershipRoutes,
  ...agreementRoutes,
  ...moneyRoutes,
  ...subscriptionRoutes,
  ...ocdsRoutes,
  // The pages (HTML on a cookie session; not in the OpenAPI document).
  ...webRoutes,
  ...signInRoutes,
};

export type Routes = typeof routes;
export type RouteName = keyof Routes;
export const routeList: RouteSpec[] = Object.values(routes);
export { routeKey } from './http/route-spec';
