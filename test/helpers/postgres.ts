// The throwaway PostgreSQL of src/ops/postgres.ts, for tests. CI installs Debian's postgresql
// and sets GITPOMS_TEST_POSTGRES=1, which makes a missing server a failure instead of a skip.
import { afterAll, beforeAll } from 'vitest';
import {
  postgresAvailable,
  startPostgres,
  type ThrowawayPostgres,
} from '../../src/ops/postgres.js';

export type TestPostgres = ThrowawayPostgres;

/** Whether a file's PostgreSQL tests run (describe.runIf): installed, or required by CI. */
export const withPostgres = postgresAvailable || process.env.GITPOMS_TEST_POSTGRES === '1';

/** A server for the file's tests, started before them and removed after; the getter gives it. */
export function usePostgres(): () => TestPostgres {
  let server: TestPostgres | undefined;
  beforeAll(async () => {
    if (withPostgres) server = await startPostgres();
  }, 60_000);
  afterAll(async () => server?.destroy());
  return () => server!;
}
