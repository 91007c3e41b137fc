/**
 * Open contracting (docs/ocds.md): the feed's query, and the response shapes for the OpenAPI
 * document. The responses are OCDS's own: described loosely here (the fields the hub always
 * fills, others passed through), since the official 1.1.5 schemas are the contract and the
 * tests validate against those (../shared/ocds/).
 */
import * as z from 'zod';

const OCDS_SCHEMA = 'https://standard.open-contracting.org/1.1/en/schema/';

export const ocdsFeedQuery = z.object({
  after: z.string().min(1).max(2048).optional().describe('The cursor from the previous page (`links.next` carries it); omit it to start at the beginning'),
  limit: z.coerce.number().int().min(1).max(100).default(50).describe('Releases per page, at most (a page may hold fewer; see `links.next`)'),
});

export const ocdsValue = z.looseObject({ amount: z.number(), currency: z.literal('GBP') }).meta({
  id: 'OcdsValue',
  description: 'An amount in pounds (a JSON number with at most two decimals, converted exactly from integer pence), and its currency',
});

const organizationReference = z.looseObject({ id: z.string(), name: z.string() });

export const ocdsRelease = z
  .looseObject({
    ocid: z.string().describe('`<OCDS_PREFIX>-<challenge id>`'),
    id: z.string().describe('`<challenge id>-<seq>`: the state as of that event'),
    date: z.string().describe('When that event happened'),
    tag: z.array(z.string()).min(1),
    initiationType: z.literal('tender'),
    language: z.literal('en'),
    parties: z.array(z.looseObject({ id: z.string(), name: z.string(), roles: z.array(z.string()) })),
    buyer: organizationReference,
    planning: z.looseObject({
      rationale: z.string().optional(),
      budget: z.looseObject({
        amount: ocdsValue,
        budgetBreakdown: z.array(z.looseObject({ id: z.string(), description: z.string(), amount: ocdsValue, sourceParty: organizationReference })),
      }),
    }),
    tender: z.looseObject({ id: z.string(), status: z.string() }).optional(),
    awards: z.array(z.looseObject({ id: z.string(), status: z.string() })).optional(),
    contracts: z.array(z.looseObject({ id: z.string(), awardID: z.string(), status: z.string() })).optional(),
  })
  .meta({
    id: 'OcdsRelease',
    description: `An OCDS 1.1.5 release with the budget breakdown extension: the whole picture of a joint challenge as of one event (mapping: docs/ocds.md; schema: ${OCDS_SCHEMA}release/)`,
  });

export const ocdsReleasePackage = z
  .looseObject({
    uri: z.string(),
    version: z.literal('1.1'),
    publishedDate: z.string(),
    publisher: z.looseObject({ name: z.string(), uri: z.string().optional() }),
    license: z.string(),
    publicationPolicy: z.string().optional(),
    extensions: z.array(z.string()),
    releases: z.array(ocdsRelease).min(1),
    links: z.looseObject({ next: z.string() }).optional().describe('The feed only (pagination extension): the next page, when the walk has more'),
  })
  .meta({ id: 'OcdsReleasePackage', description: `An OCDS 1.1.5 release package (schema: ${OCDS_SCHEMA}release_package/)` });

export const ifNoneMatch = z.object({
  'if-none-match': z.string().optional().describe('An ETag from an earlier read: 304 Not Modified while the challenge has not changed'),
});
