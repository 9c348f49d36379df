/*
 * How the shared nock setup (`nock-setup.ts`, run before every test file) treats this file's mocks.
 * By default each test must use every mock it sets up, and the mocks are cleared after it.
 */

export const nockRules = {
  keepBetweenTests: false,
  /** Unused mocks whose description contains one of these are fine. */
  mayStayUnused: [] as string[],
};

/**
 * This file's mocks are set up once (in `beforeAll`) and serve all its tests: they are kept between
 * tests and not checked after each one; the file's end clears them.
 */
export function keepNockMocksBetweenTests(): void {
  nockRules.keepBetweenTests = true;
}

/** Mocks whose description contains `part` may stay unused, e.g. an installation token the app already holds. */
export function allowUnusedNockMocks(part: string): void {
  nockRules.mayStayUnused.push(part);
}
