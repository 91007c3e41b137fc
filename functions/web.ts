/** The pages: GOV.UK-styled HTML for council officers, on the same access checks, transitions and store as the API. */
import { routeGroup } from '../shared/http/operation';
import { webRoutes } from '../shared/route-groups/web';
import { webOperations } from '../shared/web/operations';
import { handler as agreements } from './agreements';
import { handler as membership } from './membership';
import { handler as money } from './money';

// Each form runs the API's own operation, in-process: these are the very handlers the API's Lambdas run.
export const handler = routeGroup(webRoutes, webOperations({ agreements, membership, money }));
