/**
 * `npm run openapi:generate` writes docs/openapi.json: the OpenAPI document as
 * buildOpenApiDocument() builds it from the route table, the zod schemas and the
 * examples. The system function serves that file (so its bundle carries neither the
 * generator nor every schema), and test/unit/openapi.test.ts fails when it differs
 * from what the code builds: the served document cannot lag behind the API.
 */
import { writeFile } from 'node:fs/promises';
import { buildOpenApiDocument } from '../shared/openapi';

export const OPENAPI_PATH = new URL('../docs/openapi.json', import.meta.url);

export const openApiFileContent = () => `${JSON.stringify(buildOpenApiDocument(), null, 2)}\n`;

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  await writeFile(OPENAPI_PATH, openApiFileContent());
  console.log(`wrote ${OPENAPI_PATH.pathname}`);
}
