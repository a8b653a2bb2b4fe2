// The ledger's connection string: checked once, as node-postgres will read it, and never shown with its password.
import { databaseUrlSchema, isRetryableConflict, redactDatabaseUrl } from '../../../ledger/database';

test('a password never shows, in the userinfo or as a query parameter', () => {
  expect(redactDatabaseUrl('postgresql://bootshift:s3cr%40t@db.internal:5432/bootshift')).toBe('postgresql://bootshift:***@db.internal:5432/bootshift');
  expect(redactDatabaseUrl('postgresql://db.internal/bootshift?user=b&password=s3cret&sslmode=verify-full')).toBe(
    'postgresql://db.internal/bootshift?user=b&password=***&sslmode=verify-full',
  );
  expect(redactDatabaseUrl('postgresql://bootshift@/bootshift?host=/run/pg')).toBe('postgresql://bootshift@/bootshift?host=/run/pg');
});

test.each([
  ['mysql://db/x', 'must be a postgres:// or postgresql:// connection string'],
  ['postgresql://db.internal', 'must name a database (postgresql://user@host/DATABASE)'],
  ['postgresql:///bootshift', 'must name a host or a socket directory (?host=/path)'],
])('%s is refused: %s', (url, rule) => {
  const parsed = databaseUrlSchema.safeParse(url);
  expect(parsed.success).toBe(false);
  expect(parsed.error!.issues.map((i) => i.message)).toContain(rule);
});

test('only races PostgreSQL resolves by running again are retried', () => {
  expect(isRetryableConflict({ code: '40001' })).toBe(true);
  expect(isRetryableConflict({ code: '40P01' })).toBe(true);
  expect(isRetryableConflict({ code: '23505' })).toBe(true);
  expect(isRetryableConflict({ code: '23514' })).toBe(false);
  expect(isRetryableConflict(new Error('connection refused'))).toBe(false);
});
