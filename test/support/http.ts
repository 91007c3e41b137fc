/** One HTTP exchange with JSON in and out, as the tests, the bench and the contract story make it. */
export interface JsonAnswer {
  status: number;
  headers: Headers;
  body: any;
}

export interface JsonRequest {
  token?: string;
  body?: unknown;
  headers?: Record<string, string>;
}

/** fetch `url` with a bearer token and a JSON body (a string body is sent as it is); a JSON answer is parsed, any other is text. */
export async function callJson(method: string, url: string, { token, body, headers = {} }: JsonRequest = {}): Promise<JsonAnswer> {
  const response = await fetch(url, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  const type = response.headers.get('content-type') ?? '';
  return { status: response.status, headers: response.headers, body: type.includes('json') && text ? JSON.parse(text) : text };
}
