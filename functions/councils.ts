/** The council register: upserted by a hub-admin, read by every authenticated user. */
import { routeGroup } from '../shared/http/operation';
import { json } from '../shared/http/responses';
import { councilRoutes } from '../shared/route-groups/councils';
import { listCouncils, putCouncil, registeredCouncil } from '../shared/store/councils';

export const handler = routeGroup(councilRoutes, {
  putCouncil: async ({ params, body }) => {
    const { council, created } = await putCouncil(params.code, body, new Date().toISOString());
    return json(created ? 201 : 200, council, created ? { location: `/v1/councils/${council.code}` } : {});
  },
  listCouncils: async ({ query }) => json(200, await listCouncils(query)),
  getCouncil: async ({ params }) => json(200, await registeredCouncil(params.code)),
});
