/**
 * Where each string of an environment literal is written in its file: the TypeScript compiler
 * maps every field path (`pooler.tailnetExposure.tags[0]`) to its string literal, so an edit
 * replaces exactly that span, in the quotes it had, and formatting and comments stay.
 */
import * as ts from 'typescript';

/** `x`, `x as T`, `x satisfies T`, `(x)` → `x`. */
export function unwrap(node: ts.Expression): ts.Expression {
  let current = node;
  while (ts.isAsExpression(current) || ts.isSatisfiesExpression(current) || ts.isParenthesizedExpression(current)) current = current.expression;
  return current;
}

function propertyName(name: ts.PropertyName): string | undefined {
  return ts.isIdentifier(name) || ts.isStringLiteral(name) ? name.text : undefined;
}

/** The top-level `const <id> = { name: '<environment>', … }` of the file. */
export function findEnvironmentDeclaration(file: ts.SourceFile, environment: string): { declaration: ts.VariableDeclaration; literal: ts.ObjectLiteralExpression }[] {
  const found: { declaration: ts.VariableDeclaration; literal: ts.ObjectLiteralExpression }[] = [];
  for (const statement of file.statements) {
    if (!ts.isVariableStatement(statement)) continue;
    for (const declaration of statement.declarationList.declarations) {
      const initializer = declaration.initializer === undefined ? undefined : unwrap(declaration.initializer);
      if (initializer === undefined || !ts.isObjectLiteralExpression(initializer)) continue;
      const name = initializer.properties.find((p): p is ts.PropertyAssignment => ts.isPropertyAssignment(p) && propertyName(p.name) === 'name');
      const value = name === undefined ? undefined : unwrap(name.initializer);
      if (value !== undefined && (ts.isStringLiteral(value) || ts.isNoSubstitutionTemplateLiteral(value)) && value.text === environment) found.push({ declaration, literal: initializer });
    }
  }
  return found;
}

/** Every string literal under `node`, by field path. */
export function stringLiterals(node: ts.Expression, path = ''): Map<string, ts.StringLiteral | ts.NoSubstitutionTemplateLiteral> {
  const found = new Map<string, ts.StringLiteral | ts.NoSubstitutionTemplateLiteral>();
  const visit = (expression: ts.Expression, at: string): void => {
    const e = unwrap(expression);
    if (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e)) found.set(at, e);
    else if (ts.isObjectLiteralExpression(e)) {
      for (const p of e.properties) {
        const name = ts.isPropertyAssignment(p) ? propertyName(p.name) : undefined;
        if (name !== undefined && ts.isPropertyAssignment(p)) visit(p.initializer, at === '' ? name : `${at}.${name}`);
      }
    } else if (ts.isArrayLiteralExpression(e)) {
      e.elements.forEach((element, i) => visit(element, `${at}[${i}]`));
    }
  };
  visit(node, path);
  return found;
}

export interface TextEdit {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

/** `text` with the (non-overlapping) edits applied. */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  let result = text;
  for (const edit of [...edits].sort((a, b) => b.start - a.start)) result = `${result.slice(0, edit.start)}${edit.text}${result.slice(edit.end)}`;
  return result;
}

/** The edit that makes string literal `node` hold `value`, in the quotes it had. */
export function replaceLiteral(file: ts.SourceFile, node: ts.StringLiteral | ts.NoSubstitutionTemplateLiteral, value: string): TextEdit {
  const start = node.getStart(file);
  const quote = file.text[start]!;
  return { start, end: node.end, text: `${quote}${value}${quote}` };
}
