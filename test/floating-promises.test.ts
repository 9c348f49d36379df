import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/*
 * The store is asynchronous (docs/postgres.md): a write that is called and not awaited would run
 * outside its transaction, or after the answer that says it was stored, and its failure would go
 * unheard. The compiler does not catch a promise dropped on the floor, so this test does, with the
 * compiler's own types, over every source file of the app, the scripts and the tests:
 * - an expression statement whose value is a promise (call it with `await`, return it, end it
 *   with `.catch(handler)`, or mark a deliberate fire-and-forget with `void`);
 * - an async callback given to `forEach` (its promises are dropped; use `for … of` with `await`).
 */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function isThenable(checker: ts.TypeChecker, type: ts.Type): boolean {
  if (type.isUnion()) return type.types.some((member) => isThenable(checker, member));
  const then = type.getProperty('then');
  if (!then) return false;
  const declaration = then.valueDeclaration ?? then.declarations?.[0];
  if (!declaration) return false;
  return checker.getTypeOfSymbolAtLocation(then, declaration).getCallSignatures().length > 0;
}

/** `p.catch(handler)` and `p.then(onFulfilled, onRejected)` handle the rejection: the promise they return cannot reject unheard. */
function handlesRejection(expression: ts.Expression): boolean {
  if (!ts.isCallExpression(expression) || !ts.isPropertyAccessExpression(expression.expression)) return false;
  const method = expression.expression.name.text;
  return (method === 'catch' && expression.arguments.length >= 1) || (method === 'then' && expression.arguments.length >= 2);
}

function returnsThenable(checker: ts.TypeChecker, type: ts.Type): boolean {
  return type.getCallSignatures().some((signature) => isThenable(checker, signature.getReturnType()));
}

interface Finding {
  file: string;
  line: number;
  text: string;
  why: string;
}

function findFloatingPromises(): Finding[] {
  const configPath = resolve(ROOT, 'tsconfig.json');
  const config = ts.readConfigFile(configPath, (path) => ts.sys.readFile(path));
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT);
  const program = ts.createProgram({ rootNames: parsed.fileNames, options: { ...parsed.options, noEmit: true } });
  const checker = program.getTypeChecker();
  const findings: Finding[] = [];
  for (const source of program.getSourceFiles()) {
    if (source.isDeclarationFile || !source.fileName.startsWith(ROOT) || source.fileName.includes('/node_modules/')) continue;
    const report = (node: ts.Node, why: string) => {
      const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
      findings.push({ file: relative(ROOT, source.fileName), line: line + 1, text: node.getText(source).split('\n')[0]!.slice(0, 100), why });
    };
    const visit = (node: ts.Node): void => {
      if (ts.isExpressionStatement(node)) {
        let expression = node.expression;
        while (ts.isParenthesizedExpression(expression)) expression = expression.expression;
        const deliberate = ts.isVoidExpression(expression) || ts.isAwaitExpression(expression) || handlesRejection(expression);
        const assignment = ts.isBinaryExpression(expression) && expression.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && expression.operatorToken.kind <= ts.SyntaxKind.LastAssignment;
        if (!deliberate && !assignment && isThenable(checker, checker.getTypeAtLocation(expression))) report(node, 'a promise nobody awaits');
      }
      if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && node.expression.name.text === 'forEach') {
        const [callback] = node.arguments;
        if (callback && returnsThenable(checker, checker.getTypeAtLocation(callback))) report(node, 'an async callback given to forEach');
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return findings;
}

describe('promises', () => {
  it('are awaited (or deliberately voided) everywhere in src, test, bench, demo and scripts', () => {
    const findings = findFloatingPromises().map((f) => `${f.file}:${f.line} ${f.why}: ${f.text}`);
    expect(findings).toEqual([]);
  }, 180_000);
});
