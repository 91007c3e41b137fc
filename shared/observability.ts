import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

/** Created once per execution environment; configured by POWERTOOLS_* variables. */
const serviceName = 'council-hub';
export const logger = new Logger({ serviceName });
export const metrics = new Metrics({ namespace: 'CouncilHub', serviceName });
export const tracer = new Tracer({ serviceName });
