/**
 * Rewrites one image tag in an environment file (src/config/environments/<env>.ts) without
 * touching anything else: the TypeScript compiler finds the exact string literal
 * `<component>.image.tag` of the environment's object literal, and only that span is
 * replaced, in the quotes it had. Formatting, comments and other tags stay byte for byte.
 */
import * as ts from 'typescript';
import { UserError } from '../errors/user-error';

/** Something in the file is not shaped as set-image needs; the message says what and the fix. */
export class ImageTagEditError extends UserError {}

export interface ImageTagEdit {
  /** The file's new text. */
  readonly text: string;
  /** The tag the literal held before. */
  readonly previous: string;
}

/** `x`, `x as T`, `x satisfies T`, `(x)` → `x`. */
function unwrap(node: ts.Expression): ts.Expression {
  let current = node;
  while (ts.isAsExpression(current) || ts.isSatisfiesExpression(current) || ts.isParenthesizedExpression(current)) current = current.expression;
  return current;
}

function propertyName(name: ts.PropertyName): string | undefined {
  return ts.isIdentifier(name) || ts.isStringLiteral(name) ? name.text : undefined;
}

function property(object: ts.ObjectLiteralExpression, name: string): ts.Expression | undefined {
  for (const p of object.properties) {
    if (ts.isPropertyAssignment(p) && propertyName(p.name) === name) return unwrap(p.initializer);
  }
  return undefined;
}

function isStringLiteral(node: ts.Expression | undefined): node is ts.StringLiteral | ts.NoSubstitutionTemplateLiteral {
  return node !== undefined && (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node));
}

/** The top-level object literals of the file whose `name` property is the literal `environment`. */
function environmentLiterals(file: ts.SourceFile, environment: string): ts.ObjectLiteralExpression[] {
  const found: ts.ObjectLiteralExpression[] = [];
  for (const statement of file.statements) {
    if (!ts.isVariableStatement(statement)) continue;
    for (const declaration of statement.declarationList.declarations) {
      const initializer = declaration.initializer === undefined ? undefined : unwrap(declaration.initializer);
      if (initializer === undefined || !ts.isObjectLiteralExpression(initializer)) continue;
      const name = property(initializer, 'name');
      if (isStringLiteral(name) && name.text === environment) found.push(initializer);
    }
  }
  return found;
}

/**
 * Replaces the literal at `<configKey>.image.tag` of environment `environment` in `text`
 * (the source of `fileName`) with `tag`. Throws an ImageTagEditError when the file does not
 * hold exactly one such literal.
 */
export function rewriteImageTag(text: string, fileName: string, environment: string, configKey: string, tag: string): ImageTagEdit {
  // The tag lands inside quotes in source code; only characters that need no escaping may.
  if (!/^[A-Za-z0-9_.:@+-]+$/.test(tag)) throw new ImageTagEditError(`tag ${JSON.stringify(tag)} has characters an image tag never has.`);
  const file = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const where = `${fileName}: environment "${environment}"`;
  const literals = environmentLiterals(file, environment);
  if (literals.length !== 1) {
    throw new ImageTagEditError(`${where}: expected one top-level object literal with name: '${environment}', found ${literals.length}. Fix: keep the environment a single literal (\`export const ${environment.replace(/\W/g, '_')}: EnvironmentConfig = { name: '${environment}', … }\`).`);
  }
  const path = [configKey, 'image', 'tag'];
  let node: ts.Expression = literals[0]!;
  for (const [i, segment] of path.entries()) {
    const next = ts.isObjectLiteralExpression(node) ? property(node, segment) : undefined;
    if (next === undefined) {
      throw new ImageTagEditError(`${where}: ${path.slice(0, i + 1).join('.')} is not written as a property of an object literal, so set-image cannot find the tag. Fix: write ${path.join('.')} out in the literal.`);
    }
    node = next;
  }
  if (!isStringLiteral(node)) {
    throw new ImageTagEditError(`${where}: ${path.join('.')} is ${ts.SyntaxKind[node.kind]}, not a string literal. Fix: write the tag as a literal, e.g. tag: '1.2.3'.`);
  }
  const start = node.getStart(file);
  const quote = text[start]!;
  return { text: `${text.slice(0, start)}${quote}${tag}${quote}${text.slice(node.end)}`, previous: node.text };
}
