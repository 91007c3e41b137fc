import { describe, expect, it } from 'vitest';
import { eventBody } from '../../infra/local/server';

describe('the local adapter passes request bodies as API Gateway does', () => {
  it('passes valid UTF-8 as text, unchanged (a byte-order mark included)', () => {
    expect(eventBody(Buffer.from('{"name":"Ynys Môn"}'))).toEqual({ body: '{"name":"Ynys Môn"}', isBase64Encoded: false });
    expect(eventBody(Buffer.from('\ufeff{}'))).toEqual({ body: '\ufeff{}', isBase64Encoded: false });
    expect(eventBody(undefined)).toEqual({ isBase64Encoded: false });
  });

  it.each([
    ['a stray 0xFF', [0x7b, 0xff, 0x7d]],
    ['a truncated sequence', [0x22, 0xc3, 0x22]],
    ['an overlong encoding', [0xc0, 0xaf]],
    ['an encoded surrogate', [0xed, 0xa0, 0x80]],
  ])('passes %s as base64 of the raw bytes, never as U+FFFD text', (_, bytes) => {
    const raw = Buffer.from(bytes);
    const event = eventBody(raw);
    expect(event.isBase64Encoded).toBe(true);
    expect(Buffer.from(event.body!, 'base64').equals(raw)).toBe(true);
  });
});
