import { describe, expect, it } from 'vitest';
import { isKnownWebhookEvent, webhookPayloadProblem } from '../../src/github/webhook-payloads.js';
import { installationPayload, PR42, pullRequestPayload, pullRequestReviewPayload, webhookExamples } from '../helpers/github-payloads.js';

/* The checks every delivery passes before a handler runs. */

describe('webhookPayloadProblem', () => {
  it.each(['installation', 'installation_repositories', 'pull_request', 'pull_request_review', 'push'])(
    'accepts every real %s example of @octokit/webhooks-examples',
    (event) => {
      const examples = webhookExamples(event);
      expect(examples.length).toBeGreaterThan(0);
      for (const payload of examples) expect(webhookPayloadProblem(event, payload)).toBeNull();
    },
  );

  it('names the field of a malformed payload', () => {
    const pr = pullRequestPayload('opened', PR42);
    expect(webhookPayloadProblem('pull_request', { ...pr, pull_request: { ...pr.pull_request, id: '420042' } })).toBe(
      'pull_request.pull_request.id: Invalid input: expected number, received string',
    );
    const { repository, ...noRepository } = pr;
    expect(webhookPayloadProblem('pull_request', noRepository)).toMatch(/^pull_request\.repository: /);
    expect(webhookPayloadProblem('pull_request', { ...pr, pull_request: { ...pr.pull_request, created_at: 'yesterday' } })).toBe(
      'pull_request.pull_request.created_at: not a date',
    );
    // Read when the PR merged: a login that is not a string used to fail the delivery with a 500.
    expect(webhookPayloadProblem('pull_request', { ...pr, pull_request: { ...pr.pull_request, merged_by: { login: { a: 1 } } } })).toBe(
      'pull_request.pull_request.merged_by.login: Invalid input: expected string, received object',
    );
    expect(webhookPayloadProblem('pull_request', { ...pr, pull_request: { ...pr.pull_request, merged_by: 'dana' } })).toMatch(/^pull_request\.pull_request\.merged_by: /);
    expect(webhookPayloadProblem('pull_request', { ...pr, pull_request: { ...pr.pull_request, merged_by: null } })).toBeNull();
    const review = pullRequestReviewPayload({ id: 1, submittedAt: '2026-11-21T21:00:00Z' });
    expect(webhookPayloadProblem('pull_request_review', { ...review, review: { ...review.review, id: -1 } })).toMatch(/^pull_request_review\.review\.id: /);
    const installation = installationPayload('created');
    expect(webhookPayloadProblem('installation', { ...installation, installation: null })).toMatch(/^installation\.installation: /);
    expect(webhookPayloadProblem('push', { ...webhookExamples('push')[0], commits: [{ id: 'x' }] })).toMatch(/^push\.commits\.0\./);
    expect(webhookPayloadProblem('push', [])).toBe('the payload is not a JSON object');
  });

  it('checks nothing where no handler runs', () => {
    expect(webhookPayloadProblem('pull_request', { action: 'labeled' })).toBeNull();
    expect(webhookPayloadProblem('ping', { zen: 'Keep it logically awesome.' })).toBeNull();
  });

  it('knows the events GitHub sends', () => {
    expect(isKnownWebhookEvent('pull_request')).toBe(true);
    expect(isKnownWebhookEvent('ping')).toBe(true);
    expect(isKnownWebhookEvent('pull_request.opened')).toBe(false);
    expect(isKnownWebhookEvent('bogus')).toBe(false);
  });
});
