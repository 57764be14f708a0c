// The syntax tree the parser builds and the evaluator walks: the subset of Python's grammar the
// prompt understands. Node names follow CPython's `ast` module. Plain data, no behaviour.

import type { PyValue } from './values.js';

/** Where a node starts: 1-based line, 0-based column, for syntax errors. */
export interface Pos {
  line: number;
  col: number;
}

export type BinaryOperator = '+' | '-' | '*' | '/' | '//' | '%' | '**' | '|' | '&' | '^' | '<<' | '>>';
export type CompareOperator = '==' | '!=' | '<' | '<=' | '>' | '>=' | 'in' | 'not in' | 'is' | 'is not';

/** One piece of an f-string: literal text, or a replacement field `{expr!r:spec}`. */
export type FStringPart =
  | string
  | { expr: Expr; conversion: 'r' | 's' | 'a' | null; spec: FStringPart[] | null; debugText: string | null };

export type Expr =
  | { type: 'Name'; id: string; pos: Pos }
  | { type: 'Constant'; value: PyValue; pos: Pos }
  | { type: 'FString'; parts: FStringPart[]; pos: Pos }
  | { type: 'Tuple'; elts: Expr[]; pos: Pos }
  | { type: 'List'; elts: Expr[]; pos: Pos }
  | { type: 'Dict'; keys: Expr[]; values: Expr[]; pos: Pos }
  | { type: 'Attribute'; value: Expr; attr: string; pos: Pos }
  | { type: 'Subscript'; value: Expr; index: Expr; pos: Pos }
  | { type: 'Slice'; lower: Expr | null; upper: Expr | null; step: Expr | null; pos: Pos }
  | { type: 'Call'; func: Expr; args: Expr[]; keywords: { name: string; value: Expr }[]; pos: Pos }
  | { type: 'BinOp'; op: BinaryOperator; left: Expr; right: Expr; pos: Pos }
  | { type: 'UnaryOp'; op: '-' | '+' | '~' | 'not'; operand: Expr; pos: Pos }
  | { type: 'BoolOp'; op: 'and' | 'or'; values: Expr[]; pos: Pos }
  | { type: 'Compare'; left: Expr; ops: CompareOperator[]; comparators: Expr[]; pos: Pos }
  | { type: 'IfExp'; test: Expr; body: Expr; orelse: Expr; pos: Pos };

export interface ExceptHandler {
  /** The class (or tuple of classes) to match; null for a bare `except:`. */
  match: Expr | null;
  name: string | null;
  body: Stmt[];
  pos: Pos;
}

export interface FunctionDef {
  type: 'FunctionDef';
  name: string;
  params: { name: string; default: Expr | null }[];
  body: Stmt[];
  /** Names assigned in the body (its locals), computed once by the parser. */
  locals: ReadonlySet<string>;
  globals: ReadonlySet<string>;
  pos: Pos;
}

export type Stmt =
  | { type: 'Expr'; value: Expr; pos: Pos }
  | { type: 'Assign'; targets: Expr[]; value: Expr; pos: Pos }
  | { type: 'AugAssign'; target: Expr; op: BinaryOperator; value: Expr; pos: Pos }
  | { type: 'Import'; names: { name: string; asname: string | null }[]; pos: Pos }
  | { type: 'ImportFrom'; module: string; names: { name: string; asname: string | null }[] | '*'; pos: Pos }
  | { type: 'Pass'; pos: Pos }
  | { type: 'Break'; pos: Pos }
  | { type: 'Continue'; pos: Pos }
  | { type: 'Return'; value: Expr | null; pos: Pos }
  | { type: 'Global'; names: string[]; pos: Pos }
  | { type: 'Del'; targets: Expr[]; pos: Pos }
  | { type: 'Assert'; test: Expr; msg: Expr | null; pos: Pos }
  | { type: 'Raise'; exc: Expr | null; pos: Pos }
  | { type: 'If'; test: Expr; body: Stmt[]; orelse: Stmt[]; pos: Pos }
  | { type: 'While'; test: Expr; body: Stmt[]; orelse: Stmt[]; pos: Pos }
  | { type: 'For'; target: Expr; iter: Expr; body: Stmt[]; orelse: Stmt[]; pos: Pos }
  | { type: 'Try'; body: Stmt[]; handlers: ExceptHandler[]; orelse: Stmt[]; finalbody: Stmt[]; pos: Pos }
  | { type: 'With'; items: { expr: Expr; target: Expr | null }[]; body: Stmt[]; pos: Pos }
  | FunctionDef;
