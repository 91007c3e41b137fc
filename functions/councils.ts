import { getCouncil, listCouncils, putCouncil } from '../shared/councils';
import { notFound } from '../shared/errors';
import { json } from '../shared/http/responses';
import { operation, routeGroup } from '../shared/http/operation';
import { councilRoutes as routes } from '../shared/route-groups/councils';
import { routeKey } from '../shared/http/route-spec';

const putCouncilOperation = operation(routes.putCouncil, async ({ params, body }) => {
  const { council, created } = await putCouncil(params.code, body, new Date().toISOString());
  return json(created ? 201 : 200, council, created ? { location: `/v1/councils/${council.code}` } : {});
});

const listCouncilsOperation = operation(routes.listCouncils, async ({ query }) => json(200, await listCouncils(query)));

const getCouncilOperation = operation(routes.getCouncil, async ({ params }) => {
  const council = await getCouncil(params.code);
  if (!council) throw notFound(`No council is registered with code ${params.code}.`);
  return json(200, council);
});

export const handler = routeGroup({
  [routeKey(routes.putCouncil)]: putCouncilOperation,
  [routeKey(routes.listCouncils)]: listCouncilsOperation,
  [routeKey(routes.getCouncil)]: getCouncilOperation,
});
