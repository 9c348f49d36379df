import nock from 'nock';
import { evaluateScenario, formatTable, scenarioNames, score, type PullRequestOutcome } from '../test/attribution-eval/evaluate.js';

/*
 * `npm run eval:attribution [-- NAME…]`: replays the attribution scenarios recorded with the real
 * Claude Code CLI (test/fixtures/attribution-eval/) through the app — real HTTP endpoints, GitHub's
 * REST API mocked at the edge — and prints every PR's lines against the hand-counted truth, with
 * line precision and recall. Exits 1 when precision is below 1 or recall below 0.95.
 */

nock.disableNetConnect();
nock.enableNetConnect('127.0.0.1');
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const outcomes: PullRequestOutcome[] = [];
for (const name of wanted.length > 0 ? wanted : scenarioNames()) outcomes.push(...(await evaluateScenario(name)));
console.log(formatTable(outcomes));
const s = score(outcomes);
process.exitCode = s.precision === 1 && s.recall >= 0.95 ? 0 : 1;
