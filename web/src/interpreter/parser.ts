// A recursive-descent parser from tokens to the syntax tree in ast.ts, for the subset of Python the
// prompt runs. Unsupported syntax is named ("lambda expressions are not supported here; ...") and
// syntax errors carry CPython's wording and position. Knows nothing about values at run time.

import type {
  BinaryOperator,
  CompareOperator,
  ExceptHandler,
  Expr,
  FStringPart,
  FunctionDef,
  Pos,
  Stmt,
} from './ast.js';
import { PySyntaxError } from './errors.js';
import { CLASS_INSTEAD, unsupportedMessage } from './help.js';
import { decodeEscapes, type Token, tokenize } from './tokenizer.js';
import { FALSE, NONE, pyBytes, pyStr, TRUE } from './values.js';

const KEYWORDS = new Set([
  'False',
  'None',
  'True',
  'and',
  'as',
  'assert',
  'async',
  'await',
  'break',
  'class',
  'continue',
  'def',
  'del',
  'elif',
  'else',
  'except',
  'finally',
  'for',
  'from',
  'global',
  'if',
  'import',
  'in',
  'is',
  'lambda',
  'nonlocal',
  'not',
  'or',
  'pass',
  'raise',
  'return',
  'try',
  'while',
  'with',
  'yield',
]);

export const PYTHON_KEYWORDS: ReadonlySet<string> = KEYWORDS;

/** Statements that open a block: the prompt waits for an empty line after them. */
export const COMPOUND_KEYWORDS: ReadonlySet<string> = new Set([
  'if',
  'while',
  'for',
  'try',
  'def',
  'with',
  'class',
  'async',
]);

const AUG_OPS: Record<string, BinaryOperator> = {
  '+=': '+',
  '-=': '-',
  '*=': '*',
  '/=': '/',
  '//=': '//',
  '%=': '%',
  '**=': '**',
  '|=': '|',
  '&=': '&',
  '^=': '^',
  '<<=': '<<',
  '>>=': '>>',
};

/** Parses a whole input (one line or a block) into statements. Throws PySyntaxError. */
export function parse(source: string): Stmt[] {
  return new Parser(tokenize(source)).parseFile();
}

/** Parses one expression (used for f-string fields). */
export function parseExpression(source: string, line: number, col: number): Expr {
  let tokens: Token[];
  try {
    tokens = tokenize(`(${source})`);
  } catch (err) {
    if (err instanceof PySyntaxError) throw new PySyntaxError(`f-string: ${err.message}`, line, col);
    throw err;
  }
  const p = new Parser(tokens);
  const e = p.parseTestList();
  p.expectNewlineOrEnd();
  return e;
}

class Parser {
  private i = 0;
  private loopDepth = 0;
  private funcDepth = 0;

  constructor(private readonly tokens: Token[]) {}

  // -------------------------------------------------------------------------------------------
  // Token helpers

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.i + offset, this.tokens.length - 1)]!;
  }
  private next(): Token {
    const t = this.peek();
    if (this.i < this.tokens.length - 1) this.i++;
    return t;
  }
  /** Only the end of the input lies ahead (closing dedents aside): more lines could still come. */
  private atEnd(): boolean {
    for (let k = this.i; k < this.tokens.length; k++) {
      const kind = this.tokens[k]!.kind;
      if (kind === 'end') return true;
      if (kind !== 'dedent') return false;
    }
    return true;
  }
  private isOp(text: string, t = this.peek()): boolean {
    return t.kind === 'op' && t.text === text;
  }
  private isKw(text: string, t = this.peek()): boolean {
    return t.kind === 'name' && t.text === text;
  }
  private eatOp(text: string): boolean {
    if (!this.isOp(text)) return false;
    this.next();
    return true;
  }
  private eatKw(text: string): boolean {
    if (!this.isKw(text)) return false;
    this.next();
    return true;
  }
  private pos(t = this.peek()): Pos {
    return { line: t.line, col: t.col };
  }
  private fail(message: string, t = this.peek(), incomplete = false): never {
    throw new PySyntaxError(message, t.line, t.col, incomplete);
  }
  /**
   * Where the last token on `t`'s line ends (its comment excluded), looking from the current token
   * on and stopping before one that `stop` picks.
   */
  private lineEnd(t: Token, stop: (u: Token) => boolean = () => false): number {
    let end = t.col + t.text.length;
    for (let k = this.i; k < this.tokens.length; k++) {
      const u = this.tokens[k]!;
      if (u.line !== t.line || u.kind === 'newline' || u.kind === 'end' || stop(u)) break;
      if (u.kind !== 'indent' && u.kind !== 'dedent') end = u.col + u.text.length;
    }
    return end;
  }
  /** A syntax error python3 underlines as a span: from `t` to `endCol` on its line. */
  private failSpan(message: string, t: Token, endCol: number): never {
    throw new PySyntaxError(message, t.line, t.col, false, 'SyntaxError', endCol);
  }
  private invalid(t = this.peek()): never {
    if (t.kind === 'indent') this.indentError('unexpected indent', t);
    return this.fail('invalid syntax', t);
  }
  private indentError(message: string, t = this.peek(), incomplete = false): never {
    throw new PySyntaxError(message, t.line, t.col, incomplete, 'IndentationError');
  }
  private unsupported(what: string, t = this.peek(), verb: 'is' | 'are' = 'are', instead = ''): never {
    return this.fail(unsupportedMessage(what, verb, instead), t);
  }
  private expectOp(text: string, message = `expected '${text}'`): Token {
    if (!this.isOp(text)) this.fail(message);
    return this.next();
  }
  private expectName(): Token {
    const t = this.peek();
    if (t.kind !== 'name' || KEYWORDS.has(t.text)) this.invalid(t);
    return this.next();
  }
  expectNewlineOrEnd(): void {
    const t = this.peek();
    if (t.kind === 'newline' || t.kind === 'end') {
      this.next();
      return;
    }
    this.invalid(t);
  }

  // -------------------------------------------------------------------------------------------
  // Statements

  parseFile(): Stmt[] {
    const body: Stmt[] = [];
    while (this.peek().kind !== 'end') {
      if (this.peek().kind === 'newline') {
        this.next();
        continue;
      }
      body.push(...this.parseStatement());
    }
    return body;
  }

  private parseStatement(): Stmt[] {
    const t = this.peek();
    if (t.kind === 'indent') this.indentError('unexpected indent', t);
    if (t.kind === 'dedent') this.invalid(t);
    if (t.kind === 'name') {
      switch (t.text) {
        case 'if':
          return [this.parseIf()];
        case 'while':
          return [this.parseWhile()];
        case 'for':
          return [this.parseFor()];
        case 'try':
          return [this.parseTry()];
        case 'def':
          return [this.parseDef()];
        case 'with':
          return [this.parseWith()];
        case 'class': {
          // Read the whole class first, as python3's prompt does: its block gets one refusal, not an
          // IndentationError per line (seed 000's client), and the prompt waits for its empty line.
          this.next();
          this.expectName();
          if (this.eatOp('(')) {
            for (let depth = 1; depth > 0 && this.peek().kind !== 'end'; ) {
              const u = this.next();
              if (this.isOp('(', u)) depth++;
              else if (this.isOp(')', u)) depth--;
            }
          }
          this.colon();
          this.parseBlock('class definition', t.line);
          while (this.peek().kind === 'newline') this.next();
          const after = this.peek();
          if (after.kind !== 'end') {
            // A line at the left edge with no empty line before it: python3's prompt reads it as part
            // of the class, where it is invalid (seed 000's print under its class).
            this.failSpan('invalid syntax', after, after.col + after.text.length);
          }
          throw new PySyntaxError(
            unsupportedMessage('class definitions', 'are', CLASS_INSTEAD),
            t.line,
            t.col,
            true,
          );
        }
        case 'async':
          return this.unsupported('async functions');
      }
    }
    if (this.isOp('@')) this.unsupported('decorators');
    return this.parseSimpleStatements();
  }

  private parseSimpleStatements(): Stmt[] {
    const stmts = [this.parseSmall()];
    while (this.eatOp(';')) {
      if (this.peek().kind === 'newline' || this.peek().kind === 'end') break;
      stmts.push(this.parseSmall());
    }
    this.expectNewlineOrEnd();
    return stmts;
  }

  /** A block after ':' - an indented suite, or simple statements on the same line. */
  private parseBlock(header: string, headerLine: number): Stmt[] {
    if (this.peek().kind !== 'newline') return this.parseSimpleStatements();
    this.next();
    const t = this.peek();
    if (t.kind !== 'indent') {
      this.indentError(`expected an indented block after ${header} on line ${headerLine}`, t, this.atEnd());
    }
    this.next();
    const body: Stmt[] = [];
    while (this.peek().kind !== 'dedent' && this.peek().kind !== 'end') {
      if (this.peek().kind === 'newline') {
        this.next();
        continue;
      }
      body.push(...this.parseStatement());
    }
    if (this.peek().kind === 'dedent') this.next();
    return body;
  }

  private colon(): void {
    if (!this.isOp(':')) this.fail("expected ':'");
    this.next();
  }

  private parseIf(): Stmt {
    const start = this.next();
    const test = this.parseNamedTest();
    this.colon();
    const body = this.parseBlock("'if' statement", start.line);
    let orelse: Stmt[] = [];
    const t = this.peek();
    if (this.isKw('elif')) {
      orelse = [this.parseIf()];
    } else if (this.isKw('else')) {
      this.next();
      this.colon();
      orelse = this.parseBlock("'else' statement", t.line);
    }
    return { type: 'If', test, body, orelse, pos: this.pos(start) };
  }

  private parseLoopBody(header: string, line: number): Stmt[] {
    this.loopDepth++;
    try {
      return this.parseBlock(header, line);
    } finally {
      this.loopDepth--;
    }
  }

  private parseLoopElse(): Stmt[] {
    const t = this.peek();
    if (!this.eatKw('else')) return [];
    this.colon();
    return this.parseBlock("'else' statement", t.line);
  }

  private parseWhile(): Stmt {
    const start = this.next();
    const test = this.parseNamedTest();
    this.colon();
    const body = this.parseLoopBody("'while' statement", start.line);
    return { type: 'While', test, body, orelse: this.parseLoopElse(), pos: this.pos(start) };
  }

  private parseFor(): Stmt {
    const start = this.next();
    const target = this.parseTargetList();
    this.checkTarget(target, false);
    if (!this.eatKw('in')) this.invalid();
    const iter = this.parseTestList();
    this.colon();
    const body = this.parseLoopBody("'for' statement", start.line);
    return { type: 'For', target, iter, body, orelse: this.parseLoopElse(), pos: this.pos(start) };
  }

  private parseTry(): Stmt {
    const start = this.next();
    this.colon();
    const body = this.parseBlock("'try' statement", start.line);
    const handlers: ExceptHandler[] = [];
    while (this.isKw('except')) {
      const t = this.next();
      let match: Expr | null = null;
      let name: string | null = null;
      if (!this.isOp(':')) {
        if (this.isOp('*')) this.unsupported('except* clauses');
        const first = this.peek();
        match = this.parseTest();
        if (this.isOp(',')) {
          // Python 2's `except socket.error, e:` (seed 002): python3 underlines the whole list.
          this.failSpan(
            'multiple exception types must be parenthesized',
            first,
            this.lineEnd(first, (u) => this.isOp(':', u) || u.text === 'as'),
          );
        }
        if (this.eatKw('as')) name = this.expectName().text;
      }
      this.colon();
      handlers.push({ match, name, body: this.parseBlock("'except' statement", t.line), pos: this.pos(t) });
    }
    let orelse: Stmt[] = [];
    let finalbody: Stmt[] = [];
    if (handlers.length > 0 && this.isKw('else')) {
      const t = this.next();
      this.colon();
      orelse = this.parseBlock("'else' statement", t.line);
    }
    if (this.isKw('finally')) {
      const t = this.next();
      this.colon();
      finalbody = this.parseBlock("'finally' statement", t.line);
    }
    if (handlers.length === 0 && finalbody.length === 0) {
      this.fail("expected 'except' or 'finally' block", this.peek(), this.atEnd());
    }
    return { type: 'Try', body, handlers, orelse, finalbody, pos: this.pos(start) };
  }

  private parseDef(): FunctionDef {
    const start = this.next();
    const name = this.expectName().text;
    this.expectOp('(');
    const params: FunctionDef['params'] = [];
    while (!this.isOp(')')) {
      if (this.isOp('*') || this.isOp('**') || this.isOp('/'))
        this.unsupported('*args, **kwargs and / in parameters');
      const p = this.expectName();
      if (this.isOp(':')) this.unsupported('type annotations');
      let def: Expr | null = null;
      if (this.eatOp('=')) def = this.parseTest();
      else if (params.some((q) => q.default !== null)) {
        this.fail('non-default argument follows default argument', p);
      }
      if (params.some((q) => q.name === p.text))
        this.fail(`duplicate argument '${p.text}' in function definition`, p);
      params.push({ name: p.text, default: def });
      if (!this.eatOp(',')) break;
    }
    this.expectOp(')', "expected ')'");
    if (this.isOp('->')) this.unsupported('type annotations');
    this.colon();
    const savedLoops = this.loopDepth;
    this.loopDepth = 0;
    this.funcDepth++;
    let body: Stmt[];
    try {
      body = this.parseBlock(`function definition`, start.line);
    } finally {
      this.loopDepth = savedLoops;
      this.funcDepth--;
    }
    const globals = new Set<string>();
    const assigned = new Set<string>();
    collectAssigned(body, assigned, globals);
    for (const g of globals) assigned.delete(g);
    for (const p of params) assigned.add(p.name);
    return { type: 'FunctionDef', name, params, body, locals: assigned, globals, pos: this.pos(start) };
  }

  private parseWith(): Stmt {
    const start = this.next();
    const items: { expr: Expr; target: Expr | null }[] = [];
    do {
      const expr = this.parseTest();
      let target: Expr | null = null;
      if (this.eatKw('as')) {
        target = this.parseTargetAtom();
        this.checkTarget(target, false);
      }
      items.push({ expr, target });
    } while (this.eatOp(','));
    this.colon();
    return {
      type: 'With',
      items,
      body: this.parseBlock("'with' statement", start.line),
      pos: this.pos(start),
    };
  }

  private parseSmall(): Stmt {
    const t = this.peek();
    const pos = this.pos(t);
    if (t.kind === 'name') {
      switch (t.text) {
        case 'pass':
          this.next();
          return { type: 'Pass', pos };
        case 'break':
          this.next();
          if (this.loopDepth === 0) this.fail("'break' outside loop", t);
          return { type: 'Break', pos };
        case 'continue':
          this.next();
          if (this.loopDepth === 0) this.fail("'continue' not properly in loop", t);
          return { type: 'Continue', pos };
        case 'return': {
          this.next();
          if (this.funcDepth === 0) this.fail("'return' outside function", t);
          const value = this.atStatementEnd() ? null : this.parseTestList();
          return { type: 'Return', value, pos };
        }
        case 'global': {
          this.next();
          const names = [this.expectName().text];
          while (this.eatOp(',')) names.push(this.expectName().text);
          return { type: 'Global', names, pos };
        }
        case 'nonlocal':
          return this.unsupported("'nonlocal' declarations");
        case 'del': {
          this.next();
          const targets = [this.parseBitOr()];
          while (this.eatOp(',') && !this.atStatementEnd()) targets.push(this.parseBitOr());
          for (const target of targets) {
            if (target.type !== 'Name' && target.type !== 'Subscript')
              this.fail('cannot delete expression', t);
          }
          return { type: 'Del', targets, pos };
        }
        case 'assert': {
          this.next();
          const test = this.parseTest();
          const msg = this.eatOp(',') ? this.parseTest() : null;
          return { type: 'Assert', test, msg, pos };
        }
        case 'raise': {
          this.next();
          if (this.atStatementEnd()) return { type: 'Raise', exc: null, pos };
          const exc = this.parseTest();
          if (this.eatKw('from')) this.parseTest();
          return { type: 'Raise', exc, pos };
        }
        case 'import':
          return this.parseImport();
        case 'from':
          return this.parseFromImport();
        case 'yield':
          return this.unsupported("'yield' expressions");
        case 'print':
        case 'exec': {
          // Python 2's print statement, as in the older seed tutorials.
          const n = this.peek(1);
          if (n.kind === 'string' || n.kind === 'number' || (n.kind === 'name' && !KEYWORDS.has(n.text))) {
            // python3 underlines the whole statement, up to its comment.
            this.failSpan(
              `Missing parentheses in call to '${t.text}'. Did you mean ${t.text}(...)?`,
              t,
              this.lineEnd(t),
            );
          }
        }
      }
    }
    return this.parseExprStatement();
  }

  private atStatementEnd(): boolean {
    const t = this.peek();
    return t.kind === 'newline' || t.kind === 'end' || this.isOp(';');
  }

  private parseDottedName(): string {
    let name = this.expectName().text;
    while (this.eatOp('.')) name += `.${this.expectName().text}`;
    return name;
  }

  private parseImport(): Stmt {
    const start = this.next();
    const names: { name: string; asname: string | null }[] = [];
    do {
      const name = this.parseDottedName();
      const asname = this.eatKw('as') ? this.expectName().text : null;
      names.push({ name, asname });
    } while (this.eatOp(','));
    return { type: 'Import', names, pos: this.pos(start) };
  }

  private parseFromImport(): Stmt {
    const start = this.next();
    if (this.isOp('.')) this.unsupported('relative imports');
    const module = this.parseDottedName();
    if (!this.eatKw('import')) this.invalid();
    if (this.eatOp('*')) return { type: 'ImportFrom', module, names: '*', pos: this.pos(start) };
    const paren = this.eatOp('(');
    const names: { name: string; asname: string | null }[] = [];
    do {
      if (paren && this.isOp(')')) break;
      const name = this.expectName().text;
      const asname = this.eatKw('as') ? this.expectName().text : null;
      names.push({ name, asname });
    } while (this.eatOp(','));
    if (paren) this.expectOp(')');
    return { type: 'ImportFrom', module, names, pos: this.pos(start) };
  }

  private parseExprStatement(): Stmt {
    const start = this.peek();
    const pos = this.pos(start);
    const first = this.parseTestListStar();
    if (this.isOp('=')) {
      const exprs = [first];
      while (this.eatOp('=')) {
        if (this.isKw('yield')) this.unsupported("'yield' expressions");
        exprs.push(this.parseTestListStar());
      }
      const value = exprs.pop()!;
      for (const target of exprs) this.checkTarget(target, true);
      return { type: 'Assign', targets: exprs, value, pos };
    }
    const t = this.peek();
    if (t.kind === 'op' && Object.hasOwn(AUG_OPS, t.text)) {
      if (first.type !== 'Name' && first.type !== 'Attribute' && first.type !== 'Subscript') {
        const what =
          first.type === 'Tuple'
            ? 'tuple'
            : first.type === 'List'
              ? 'list'
              : first.type === 'Constant'
                ? 'literal'
                : 'expression';
        this.fail(`'${what}' is an illegal expression for augmented assignment`, start);
      }
      this.next();
      const value = this.parseTestList();
      return { type: 'AugAssign', target: first, op: AUG_OPS[t.text]!, value, pos };
    }
    if (this.isOp(':')) this.unsupported('variable annotations');
    if (this.isOp(':=')) this.unsupported("the ':=' operator", this.peek(), 'is');
    return { type: 'Expr', value: first, pos };
  }

  /** Is `e` something Python can assign to? Names True/False/None and calls are not. */
  private checkTarget(e: Expr, fromAssign: boolean): undefined {
    const hint = fromAssign ? " here. Maybe you meant '==' instead of '='?" : '';
    const at = { kind: 'op', text: '', line: e.pos.line, col: e.pos.col } as Token;
    switch (e.type) {
      case 'Name':
      case 'Attribute':
      case 'Subscript':
        return;
      case 'Tuple':
      case 'List':
        for (const x of e.elts) this.checkTarget(x, fromAssign);
        return;
      case 'Constant': {
        const name =
          e.value === NONE ? 'None' : e.value === TRUE ? 'True' : e.value === FALSE ? 'False' : null;
        return this.fail(name ? `cannot assign to ${name}` : `cannot assign to literal${hint}`, at);
      }
      case 'Call':
        return this.fail(`cannot assign to function call${hint}`, at);
      default:
        return this.fail(`cannot assign to expression${hint}`, at);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Expressions

  /** Expressions separated by commas: a tuple without parentheses (`conn, addr`). */
  parseTestList(): Expr {
    const start = this.peek();
    const first = this.parseTest();
    if (!this.isOp(',')) return first;
    const elts = [first];
    while (this.eatOp(',')) {
      if (!this.startsExpression()) break;
      elts.push(this.parseTest());
    }
    return { type: 'Tuple', elts, pos: this.pos(start) };
  }

  private parseTestListStar(): Expr {
    if (this.isOp('*')) this.unsupported('starred expressions');
    return this.parseTestList();
  }

  /** A target list for `for`: stops before `in`. */
  private parseTargetList(): Expr {
    const start = this.peek();
    const first = this.parseTargetAtom();
    if (!this.isOp(',')) return first;
    const elts = [first];
    while (this.eatOp(',')) {
      if (this.isKw('in')) break;
      elts.push(this.parseTargetAtom());
    }
    return { type: 'Tuple', elts, pos: this.pos(start) };
  }

  private parseTargetAtom(): Expr {
    if (this.isOp('*')) this.unsupported('starred expressions');
    return this.parseBitOr();
  }

  private startsExpression(): boolean {
    const t = this.peek();
    if (t.kind === 'name')
      return !KEYWORDS.has(t.text) || ['True', 'False', 'None', 'not', 'lambda'].includes(t.text);
    if (t.kind === 'number' || t.kind === 'string') return true;
    return t.kind === 'op' && ['(', '[', '{', '-', '+', '~', '*', '...'].includes(t.text);
  }

  private parseNamedTest(): Expr {
    const e = this.parseTest();
    if (this.isOp(':=')) this.unsupported("the ':=' operator", this.peek(), 'is');
    return e;
  }

  parseTest(): Expr {
    if (this.isKw('lambda')) this.unsupported('lambda expressions');
    if (this.isKw('yield')) this.unsupported("'yield' expressions");
    if (this.isKw('await')) this.unsupported("'await' expressions");
    const start = this.peek();
    const body = this.parseOr();
    if (!this.isKw('if')) return body;
    this.next();
    const test = this.parseOr();
    if (!this.eatKw('else')) this.fail("expected 'else' after 'if' expression");
    const orelse = this.parseTest();
    return { type: 'IfExp', test, body, orelse, pos: this.pos(start) };
  }

  private parseOr(): Expr {
    const start = this.peek();
    const first = this.parseAnd();
    if (!this.isKw('or')) return first;
    const values = [first];
    while (this.eatKw('or')) values.push(this.parseAnd());
    return { type: 'BoolOp', op: 'or', values, pos: this.pos(start) };
  }

  private parseAnd(): Expr {
    const start = this.peek();
    const first = this.parseNot();
    if (!this.isKw('and')) return first;
    const values = [first];
    while (this.eatKw('and')) values.push(this.parseNot());
    return { type: 'BoolOp', op: 'and', values, pos: this.pos(start) };
  }

  private parseNot(): Expr {
    const start = this.peek();
    if (this.eatKw('not'))
      return { type: 'UnaryOp', op: 'not', operand: this.parseNot(), pos: this.pos(start) };
    return this.parseComparison();
  }

  private compareOp(): CompareOperator | null {
    const t = this.peek();
    if (t.kind === 'op' && ['==', '!=', '<', '<=', '>', '>='].includes(t.text)) {
      this.next();
      return t.text as CompareOperator;
    }
    if (this.isKw('in')) {
      this.next();
      return 'in';
    }
    if (this.isKw('not') && this.isKw('in', this.peek(1))) {
      this.next();
      this.next();
      return 'not in';
    }
    if (this.isKw('is')) {
      this.next();
      return this.eatKw('not') ? 'is not' : 'is';
    }
    return null;
  }

  private parseComparison(): Expr {
    const start = this.peek();
    const left = this.parseBitOr();
    const ops: CompareOperator[] = [];
    const comparators: Expr[] = [];
    for (let op = this.compareOp(); op !== null; op = this.compareOp()) {
      ops.push(op);
      comparators.push(this.parseBitOr());
    }
    return ops.length === 0 ? left : { type: 'Compare', left, ops, comparators, pos: this.pos(start) };
  }

  private binary(next: () => Expr, ops: readonly string[]): Expr {
    const start = this.peek();
    let left = next();
    for (;;) {
      const t = this.peek();
      if (t.kind !== 'op' || !ops.includes(t.text)) return left;
      if (t.text === '@') this.unsupported("the '@' operator", t, 'is');
      this.next();
      const right = next();
      left = { type: 'BinOp', op: t.text as BinaryOperator, left, right, pos: this.pos(start) };
    }
  }

  private parseBitOr = (): Expr => this.binary(this.parseXor, ['|']);
  private parseXor = (): Expr => this.binary(this.parseBitAnd, ['^']);
  private parseBitAnd = (): Expr => this.binary(this.parseShift, ['&']);
  private parseShift = (): Expr => this.binary(this.parseArith, ['<<', '>>']);
  private parseArith = (): Expr => this.binary(this.parseTerm, ['+', '-']);
  private parseTerm = (): Expr => this.binary(this.parseFactor, ['*', '/', '//', '%', '@']);

  private parseFactor = (): Expr => {
    const t = this.peek();
    if (t.kind === 'op' && (t.text === '-' || t.text === '+' || t.text === '~')) {
      this.next();
      return { type: 'UnaryOp', op: t.text, operand: this.parseFactor(), pos: this.pos(t) };
    }
    return this.parsePower();
  };

  private parsePower(): Expr {
    const start = this.peek();
    const base = this.parsePrimary();
    if (!this.eatOp('**')) return base;
    return { type: 'BinOp', op: '**', left: base, right: this.parseFactor(), pos: this.pos(start) };
  }

  private parsePrimary(): Expr {
    const start = this.peek();
    let e = this.parseAtom();
    for (;;) {
      if (this.isOp('(')) {
        e = this.parseCall(e, start);
      } else if (this.isOp('[')) {
        this.next();
        const index = this.parseSubscript();
        this.expectOp(']');
        e = { type: 'Subscript', value: e, index, pos: this.pos(start) };
      } else if (this.isOp('.')) {
        this.next();
        const name = this.peek();
        if (name.kind !== 'name') this.invalid(name);
        this.next();
        e = { type: 'Attribute', value: e, attr: name.text, pos: this.pos(start) };
      } else {
        return e;
      }
    }
  }

  private parseCall(func: Expr, start: Token): Expr {
    this.expectOp('(');
    const args: Expr[] = [];
    const keywords: { name: string; value: Expr }[] = [];
    while (!this.isOp(')')) {
      if (this.isOp('*') || this.isOp('**')) this.unsupported('* and ** in calls');
      const t = this.peek();
      if (t.kind === 'name' && this.isOp('=', this.peek(1))) {
        if (KEYWORDS.has(t.text)) this.invalid(t);
        this.next();
        this.next();
        if (keywords.some((k) => k.name === t.text)) this.fail(`keyword argument repeated: ${t.text}`, t);
        keywords.push({ name: t.text, value: this.parseTest() });
      } else {
        const arg = this.parseTest();
        if (this.isKw('for')) this.unsupported('generator expressions');
        if (keywords.length > 0) this.fail('positional argument follows keyword argument', t);
        args.push(arg);
      }
      if (!this.eatOp(',')) break;
    }
    this.expectOp(')', "expected ')'");
    return { type: 'Call', func, args, keywords, pos: this.pos(start) };
  }

  private parseSubscript(): Expr {
    const start = this.peek();
    const first = this.parseSliceItem();
    if (!this.isOp(',')) return first;
    const elts = [first];
    while (this.eatOp(',')) {
      if (this.isOp(']')) break;
      elts.push(this.parseSliceItem());
    }
    return { type: 'Tuple', elts, pos: this.pos(start) };
  }

  private parseSliceItem(): Expr {
    const start = this.peek();
    const lower = this.isOp(':') ? null : this.parseTest();
    if (!this.isOp(':')) return lower!;
    this.next();
    const upper = this.isOp(':') || this.isOp(']') || this.isOp(',') ? null : this.parseTest();
    let step: Expr | null = null;
    if (this.eatOp(':')) step = this.isOp(']') || this.isOp(',') ? null : this.parseTest();
    return { type: 'Slice', lower, upper, step, pos: this.pos(start) };
  }

  private parseAtom(): Expr {
    const t = this.peek();
    const pos = this.pos(t);
    switch (t.kind) {
      case 'number':
        this.next();
        return { type: 'Constant', value: t.number!, pos };
      case 'string':
        return this.parseStrings();
      case 'name': {
        if (t.text === 'True' || t.text === 'False' || t.text === 'None') {
          this.next();
          return {
            type: 'Constant',
            value: t.text === 'True' ? TRUE : t.text === 'False' ? FALSE : NONE,
            pos,
          };
        }
        if (t.text === 'lambda') this.unsupported('lambda expressions');
        if (t.text === 'yield') this.unsupported("'yield' expressions");
        if (t.text === 'await') this.unsupported("'await' expressions");
        if (KEYWORDS.has(t.text)) this.invalid(t);
        this.next();
        return { type: 'Name', id: t.text, pos };
      }
      case 'op':
        break;
      case 'end':
      case 'newline':
        return this.invalid(t);
      default:
        return this.invalid(t);
    }
    if (t.text === '(') {
      this.next();
      if (this.eatOp(')')) return { type: 'Tuple', elts: [], pos };
      if (this.isKw('yield')) this.unsupported("'yield' expressions");
      if (this.isOp('*')) this.unsupported('starred expressions');
      const first = this.parseNamedTest();
      if (this.isKw('for')) this.unsupported('generator expressions');
      if (this.eatOp(')')) return first.type === 'Tuple' ? { ...first, pos } : first;
      if (!this.isOp(',')) this.invalid();
      const elts = [first];
      while (this.eatOp(',')) {
        if (this.isOp(')')) break;
        if (this.isOp('*')) this.unsupported('starred expressions');
        elts.push(this.parseTest());
      }
      this.expectOp(')', "expected ')'");
      return { type: 'Tuple', elts, pos };
    }
    if (t.text === '[') {
      this.next();
      const elts: Expr[] = [];
      while (!this.isOp(']')) {
        if (this.isOp('*')) this.unsupported('starred expressions');
        elts.push(this.parseTest());
        if (elts.length === 1 && this.isKw('for')) this.unsupported('list comprehensions');
        if (!this.eatOp(',')) break;
      }
      this.expectOp(']', "expected ']'");
      return { type: 'List', elts, pos };
    }
    if (t.text === '{') {
      this.next();
      const keys: Expr[] = [];
      const values: Expr[] = [];
      while (!this.isOp('}')) {
        if (this.isOp('**')) this.unsupported('** in dict displays');
        const k = this.parseTest();
        if (!this.isOp(':')) {
          if (this.isKw('for')) this.unsupported('set comprehensions');
          this.unsupported('set literals');
        }
        this.next();
        keys.push(k);
        values.push(this.parseTest());
        if (keys.length === 1 && this.isKw('for')) this.unsupported('dict comprehensions');
        if (!this.eatOp(',')) break;
      }
      this.expectOp('}', "expected '}'");
      return { type: 'Dict', keys, values, pos };
    }
    if (t.text === '...') this.unsupported("the '...' literal", t, 'is');
    if (t.text === '*') this.unsupported('starred expressions');
    return this.invalid(t);
  }

  /** Adjacent string literals join; one f-string among them makes the whole an f-string. */
  private parseStrings(): Expr {
    const first = this.peek();
    const pos = this.pos(first);
    const tokens: Token[] = [];
    while (this.peek().kind === 'string') tokens.push(this.next());
    const bytes = tokens.map((t) => t.string!.prefix.includes('b'));
    if (bytes.some((b) => b !== bytes[0])) this.fail('cannot mix bytes and nonbytes literals', first);
    if (bytes[0]) {
      const parts = tokens.map((t) => (t.string!.value as { value: Uint8Array }).value);
      const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
      let o = 0;
      for (const p of parts) {
        out.set(p, o);
        o += p.length;
      }
      return { type: 'Constant', value: pyBytes(out), pos };
    }
    if (!tokens.some((t) => t.string!.prefix.includes('f'))) {
      const value = tokens.map((t) => (t.string!.value as { value: string }).value).join('');
      return { type: 'Constant', value: pyStr(value), pos };
    }
    const parts: FStringPart[] = [];
    for (const t of tokens) {
      const s = t.string!;
      if (s.prefix.includes('f')) parts.push(...parseFString(s.body, s.prefix.includes('r'), t));
      else parts.push((s.value as { value: string }).value);
    }
    return { type: 'FString', parts, pos };
  }
}

/** Splits an f-string body into literal text and `{expr!conv:spec}` fields. */
function parseFString(body: string, raw: boolean, t: Token): FStringPart[] {
  const parts: FStringPart[] = [];
  let lit = '';
  const flush = () => {
    if (lit !== '') parts.push(raw ? lit : decodeEscapes(lit, false, t.line, t.col));
    lit = '';
  };
  const fail = (message: string): never => {
    throw new PySyntaxError(`f-string: ${message}`, t.line, t.col);
  };
  let i = 0;
  while (i < body.length) {
    const c = body[i]!;
    if (c === '}') {
      if (body[i + 1] !== '}') fail("single '}' is not allowed");
      lit += '}';
      i += 2;
      continue;
    }
    if (c !== '{') {
      lit += c;
      i++;
      continue;
    }
    if (body[i + 1] === '{') {
      lit += '{';
      i += 2;
      continue;
    }
    flush();
    const { field, end } = readField(body, i + 1, fail);
    parts.push(parseField(field, t, fail));
    i = end + 1;
  }
  flush();
  return parts;
}

/** Reads a replacement field's text from after '{' up to its matching '}'. */
function readField(body: string, from: number, fail: (m: string) => never): { field: string; end: number } {
  let depth = 0;
  let quote: string | null = null;
  for (let i = from; i < body.length; i++) {
    const c = body[i]!;
    if (quote) {
      if (c === quote) quote = null;
      continue;
    }
    if (c === "'" || c === '"') quote = c;
    else if (c === '\\') fail('expression part cannot include a backslash');
    else if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']') depth--;
    else if (c === '}') {
      if (depth === 0) return { field: body.slice(from, i), end: i };
      depth--;
    }
  }
  return fail("expecting '}'");
}

function parseField(field: string, t: Token, fail: (m: string) => never): FStringPart {
  // Split off !conversion and :spec at bracket depth 0.
  let depth = 0;
  let quote: string | null = null;
  let exprEnd = field.length;
  for (let i = 0; i < field.length; i++) {
    const c = field[i]!;
    if (quote) {
      if (c === quote) quote = null;
      continue;
    }
    if (c === "'" || c === '"') quote = c;
    else if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    else if (depth === 0 && c === '!' && field[i + 1] !== '=') {
      exprEnd = i;
      break;
    } else if (depth === 0 && c === ':') {
      exprEnd = i;
      break;
    }
  }
  let exprText = field.slice(0, exprEnd);
  let rest = field.slice(exprEnd);
  let debugText: string | null = null;
  const trimmed = exprText.trimEnd();
  if (trimmed.endsWith('=') && !/[=!<>]=$/.test(trimmed)) {
    debugText = exprText;
    exprText = trimmed.slice(0, -1);
  }
  if (exprText.trim() === '') fail('empty expression not allowed');
  let conversion: 'r' | 's' | 'a' | null = null;
  if (rest.startsWith('!')) {
    const c = rest[1];
    if (c !== 'r' && c !== 's' && c !== 'a') fail("invalid conversion character: expected 's', 'r', or 'a'");
    conversion = c;
    rest = rest.slice(2);
  }
  let spec: FStringPart[] | null = null;
  if (rest.startsWith(':')) spec = parseFString(rest.slice(1), true, t);
  else if (rest !== '') fail("expecting '}'");
  const expr = parseExpression(exprText, t.line, t.col);
  if (debugText !== null && conversion === null && spec === null) conversion = 'r';
  return { expr, conversion, spec, debugText };
}

/** Names a function body assigns (its locals), and those it declares global. */
function collectAssigned(body: readonly Stmt[], out: Set<string>, globals: Set<string>): void {
  const target = (e: Expr): void => {
    if (e.type === 'Name') out.add(e.id);
    else if (e.type === 'Tuple' || e.type === 'List') e.elts.forEach(target);
  };
  for (const s of body) {
    switch (s.type) {
      case 'Assign':
        s.targets.forEach(target);
        break;
      case 'AugAssign':
        target(s.target);
        break;
      case 'For':
        target(s.target);
        collectAssigned(s.body, out, globals);
        collectAssigned(s.orelse, out, globals);
        break;
      case 'While':
      case 'If':
        collectAssigned(s.body, out, globals);
        collectAssigned(s.orelse, out, globals);
        break;
      case 'With':
        for (const item of s.items) if (item.target) target(item.target);
        collectAssigned(s.body, out, globals);
        break;
      case 'Try':
        collectAssigned(s.body, out, globals);
        for (const h of s.handlers) {
          if (h.name) out.add(h.name);
          collectAssigned(h.body, out, globals);
        }
        collectAssigned(s.orelse, out, globals);
        collectAssigned(s.finalbody, out, globals);
        break;
      case 'FunctionDef':
        out.add(s.name);
        break;
      case 'Import':
        for (const n of s.names) out.add(n.asname ?? n.name.split('.')[0]!);
        break;
      case 'ImportFrom':
        if (s.names !== '*') for (const n of s.names) out.add(n.asname ?? n.name);
        break;
      case 'Global':
        for (const n of s.names) globals.add(n);
        break;
      case 'Del':
        s.targets.forEach(target);
        break;
      default:
        break;
    }
  }
}
