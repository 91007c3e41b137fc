/** A setting the function cannot run without: missing, it fails at cold start, not on the first message. */
export function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}
