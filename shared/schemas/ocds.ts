/**
 * Open contracting (docs/ocds.md): the feed's query, and the response shapes for the OpenAPI
 * document. The responses are OCDS's own: described loosely here (the fields the hub always
 * fills, others passed through), since the official 1.1.5 schemas are the contract and the
 * tests validate against those (../shared/ocds/).
 */
import * as z from './zod';
import { described, withMeta } from './zod';

const OCDS_SCHEMA = 'https://standard.open-contracting.org/1.1/en/schema/';

export const ocdsFeedQuery = z.object({
  after: described(
    z.optional(z.string().check(z.minLength(1), z.maxLength(2048))),
    'The cursor from the previous page (`links.next` carries it); omit it to start at the beginning',
  ),
  limit: described(
    z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(100)), 50),
    'Releases per page, at most (a page may hold fewer; see `links.next`)',
  ),
});

export const ocdsValue = withMeta(z.looseObject({ amount: z.number(), currency: z.literal('GBP') }), {
  id: 'OcdsValue',
  description: 'An amount in pounds (a JSON number with at most two decimals, converted exactly from integer pence), and its currency',
});

const organizationReference = z.looseObject({ id: z.string(), name: z.string() });

export const ocdsRelease = withMeta(
  z.looseObject({
    ocid: described(z.string(), '`<OCDS_PREFIX>-<challenge id>`'),
    id: described(z.string(), '`<challenge id>-<seq>`: the state as of that event'),
    date: described(z.string(), 'When that event happened'),
    tag: z.array(z.string()).check(z.minLength(1)),
    initiationType: z.literal('tender'),
    language: z.literal('en'),
    parties: z.array(z.looseObject({ id: z.string(), name: z.string(), roles: z.array(z.string()) })),
    buyer: organizationReference,
    planning: z.looseObject({
      rationale: z.optional(z.string()),
      budget: z.looseObject({
        amount: ocdsValue,
        budgetBreakdown: z.array(z.looseObject({ id: z.string(), description: z.string(), amount: ocdsValue, sourceParty: organizationReference })),
      }),
    }),
    tender: z.optional(z.looseObject({ id: z.string(), status: z.string() })),
    awards: z.optional(z.array(z.looseObject({ id: z.string(), status: z.string() }))),
    contracts: z.optional(z.array(z.looseObject({ id: z.string(), awardID: z.string(), status: z.string() }))),
  }),
  {
    id: 'OcdsRelease',
    description: `An OCDS 1.1.5 release with the budget breakdown extension: the whole picture of a joint challenge as of one event (mapping: docs/ocds.md; schema: ${OCDS_SCHEMA}release/)`,
  },
);

export const ocdsReleasePackage = withMeta(
  z.looseObject({
    uri: z.string(),
    version: z.literal('1.1'),
    publishedDate: z.string(),
    publisher: z.looseObject({ name: z.string(), uri: z.optional(z.string()) }),
    license: z.string(),
    publicationPolicy: z.optional(z.string()),
    extensions: z.array(z.string()),
    releases: z.array(ocdsRelease).check(z.minLength(1)),
    links: described(
      z.optional(z.looseObject({ next: z.string() })),
      'The feed only (pagination extension): the next page, when the walk has more',
    ),
  }),
  { id: 'OcdsReleasePackage', description: `An OCDS 1.1.5 release package (schema: ${OCDS_SCHEMA}release_package/)` },
);

export const ifNoneMatch = z.object({
  'if-none-match': described(
    z.optional(z.string()),
    'An ETag from an earlier read: 304 Not Modified while the challenge has not changed',
  ),
});
