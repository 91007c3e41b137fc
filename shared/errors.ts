/**
 * RFC 9457 problem details. Handlers and domain code throw `Problem`s; the
 * HTTP middleware turns them (and any other error) into application/problem+json.
 */
import type { ProblemCode } from './problem-codes';

export interface FieldError {
  path: string;
  message: string;
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  code?: ProblemCode;
  errors?: FieldError[];
}

const titles: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  428: 'Precondition Required',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export class Problem extends Error {
  readonly status: number;
  readonly code: ProblemCode | undefined;
  readonly errors: FieldError[] | undefined;

  constructor(status: number, detail: string, options: { code?: ProblemCode; errors?: FieldError[] } = {}) {
    super(detail);
    this.name = 'Problem';
    this.status = status;
    this.code = options.code;
    this.errors = options.errors;
  }

  toBody(): ProblemBody {
    return problemBody(this.status, this.message, { code: this.code, errors: this.errors });
  }
}

export function problemBody(
  status: number,
  detail: string,
  options: { code?: ProblemCode | undefined; errors?: FieldError[] | undefined } = {},
): ProblemBody {
  const slug = options.code ?? (titles[status] ?? 'error').toLowerCase().replaceAll(' ', '-');
  return {
    type: `https://council-hub.example/problems/${slug}`,
    title: titles[status] ?? 'Error',
    status,
    detail,
    ...(options.code ? { code: options.code } : {}),
    ...(options.errors ? { errors: options.errors } : {}),
  };
}

export const badRequest = (detail: string) => new Problem(400, detail);
export const unauthorized = (detail = 'A valid bearer token is required.') => new Problem(401, detail);
export const forbidden = (detail: string) => new Problem(403, detail);
export const notFound = (detail: string) => new Problem(404, detail);
export const conflict = (code: ProblemCode, detail: string) => new Problem(409, detail, { code });
export const unprocessable = (detail: string, errors?: FieldError[], code?: ProblemCode) =>
  new Problem(422, detail, { errors, code });
