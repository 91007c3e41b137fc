/** The council register: upserted by a hub-admin, read by every authenticated user. */
import { notFound } from '../shared/errors';
import { routeGroup } from '../shared/http/operation';
import { json } from '../shared/http/responses';
import { councilRoutes } from '../shared/route-groups/councils';
import { getCouncil, listCouncils, putCouncil } from '../shared/store/councils';

export const handler = routeGroup(councilRoutes, {
  putCouncil: async ({ params, body }) => {
    const { council, created } = await putCouncil(params.code, body, new Date().toISOString());
    return json(created ? 201 : 200, council, created ? { location: `/v1/councils/${council.code}` } : {});
  },
  listCouncils: async ({ query }) => json(200, await listCouncils(query)),
  getCouncil: async ({ params }) => {
    const council = await getCouncil(params.code);
    if (!council) throw notFound(`No council is registered with code ${params.code}.`);
    return json(200, council);
  },
});
