import { defineRoutes } from '../http/route-spec';
import { pageQuery } from '../http/paging';
import { council, councilCodeParams, councilInput } from '../schemas/council';
import { pageOf } from '../schemas/system';

export const councilRoutes = defineRoutes({
  putCouncil: {
    method: 'PUT', path: '/v1/councils/{code}', fn: 'councils', auth: true, group: 'hub-admin', tag: 'Councils',
    summary: 'Register or update a council (hub-admin)',
    request: { params: councilCodeParams, body: councilInput },
    responses: { 200: { description: 'Updated', schema: council }, 201: { description: 'Registered, with Location', schema: council, headers: ['location'] } },
  },
  listCouncils: {
    method: 'GET', path: '/v1/councils', fn: 'councils', auth: true, tag: 'Councils',
    summary: 'List registered councils, by code',
    request: { query: pageQuery },
    responses: { 200: { description: 'A page of councils', schema: pageOf(council, 'CouncilPage') } },
  },
  getCouncil: {
    method: 'GET', path: '/v1/councils/{code}', fn: 'councils', auth: true, tag: 'Councils',
    summary: 'Read one council',
    request: { params: councilCodeParams },
    responses: { 200: { description: 'The council', schema: council } },
  },
});
