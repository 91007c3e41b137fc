/**
 * The cold-start floor: what every function loads before any route of its own. The
 * store's DynamoDB client (as the yardstick creates it), the Powertools logger and
 * metrics (shared/observability.ts) and the configuration checked with zod
 * (shared/config.ts). Measured beside the yardstick so the bench shows how much of
 * the 1.25× goal these chosen libraries spend on their own.
 */
import { documents } from '../../shared/store/client';
import { logger, metrics } from '../../shared/observability';

export const handler = async () => ({ statusCode: 204, headers: { 'x-client': typeof documents.send, 'x-observed': `${typeof logger.info} ${typeof metrics.addMetric}` } });
