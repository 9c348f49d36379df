// Before nock: `node:http`'s ESM exports are fixed when first imported, so a test's
// `import { request } from 'node:http'` stays Node's own and streams its body to the local server
// as it is written (webhook-refusals measures that); nock's interceptor would buffer it whole.
import 'node:http';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { nockRules } from './nock-rules.js';

/*
 * Run before every test file (vitest `setupFiles`). No request leaves the machine: GitHub is mocked
 * with nock, and only the app under test, listening on 127.0.0.1, is reached for real. Each test
 * must use every mock it set up (a mock left unused means the app skipped a call the test expects);
 * then the mocks are cleared. `nock-rules.ts` says how a file deviates from that.
 */

const LOCAL_HOST = /^(127\.0\.0\.1|localhost)(:\d+)?$/;

beforeAll(() => {
  nock.disableNetConnect();
  nock.enableNetConnect((host: string) => LOCAL_HOST.test(host));
});

afterEach(() => {
  if (nockRules.keepBetweenTests) return;
  const unused = nock.pendingMocks().filter((mock) => !nockRules.mayStayUnused.some((part) => mock.includes(part)));
  nock.cleanAll();
  expect(unused, 'nock mocks the test set up but the app never called').toEqual([]);
});

afterAll(() => {
  nock.cleanAll();
});
