// Reads one lesson file (Markdown with a front matter and fenced `step`, `exercise` and `solution`
// blocks; the format is documented in lessons/README.md) into a Lesson, or into every problem found,
// each naming the file, the line and what is wrong. Pure: text in, data out.

import { CheckSyntaxError, orList, parseCheck } from './checks.js';
import { placeholdersIn, unknownPlaceholder } from './placeholders.js';
import {
  BIND_MODES,
  type BindMode,
  CONCEPTS,
  type Exercise,
  LESSON_SERVERS,
  type Lesson,
  type LessonProblem,
  PROGRAMS,
  type Program,
  type SolutionLine,
  type Step,
  type StepCheck,
} from './types.js';

export interface ParseResult {
  /** The lesson, when the file has no problem at all. */
  lesson: Lesson | null;
  problems: LessonProblem[];
}

const FILE_NAME = /^(\d{2,3})-[a-z0-9]+(?:-[a-z0-9]+)*\.md$/;
const BLOCK_KINDS = ['step', 'exercise', 'solution'] as const;
type BlockKind = (typeof BLOCK_KINDS)[number];

const FIELDS: Record<BlockKind, readonly string[]> = {
  step: ['program', 'run', 'waits', 'when', 'expect', 'check', 'hint'],
  exercise: ['task', 'check', 'hint'],
  solution: ['program', 'run', 'waits'],
};
const FRONT_FIELDS = ['title', 'goal', 'concepts'] as const;
const REPEATABLE = new Set(['check', 'hint']);

interface Field {
  key: string;
  value: string;
  line: number;
  /** The value came on indented lines below `key:` (a multi-line value). */
  block: boolean;
}

interface Block {
  kind: BlockKind;
  line: number;
  /** Markdown between the previous block (or the front matter) and this one. */
  prose: string;
  proseLine: number;
  body: { n: number; text: string }[];
}

const PROGRAM_WORDS = `${PROGRAMS.join(', ')} or a lesson server name`;

class Problems {
  readonly list: LessonProblem[] = [];
  constructor(private readonly file: string) {}
  add(line: number, message: string): void {
    this.list.push({ file: this.file, line, message });
  }
}

/** `name` without its directory. */
const baseName = (file: string) => file.slice(Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\')) + 1);

export function parseLesson(file: string, text: string): ParseResult {
  const problems = new Problems(file);
  const name = baseName(file);
  if (!FILE_NAME.test(name)) {
    problems.add(
      1,
      `the file name must be NN-words-with-dashes.md (two digits give the order, e.g. 03-bind-is-not-listen.md), not "${name}"`,
    );
  }
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const front = readFrontMatter(lines, problems);
  const { blocks, closing } = splitBlocks(lines, front.end, problems);
  // The prose before the first block is the lesson's own introduction.
  if (blocks[0]) {
    front.prose = blocks[0].prose;
    blocks[0].prose = '';
  }

  const steps: Step[] = [];
  let exercise: Exercise | null = null;
  const solution: SolutionLine[] = [];
  const count = { step: 0, exercise: 0, solution: 0 };
  let sawExercise = false;
  for (const b of blocks) {
    const n = ++count[b.kind];
    const where = b.kind === 'exercise' ? 'exercise' : `${b.kind} ${n}`;
    if (b.kind === 'step' && sawExercise) problems.add(b.line, `${where}: steps come before the exercise`);
    if (b.kind === 'solution' && !sawExercise)
      problems.add(b.line, `${where}: a solution block comes after the exercise block`);
    if (b.kind === 'exercise') {
      if (sawExercise) problems.add(b.line, 'exercise: a lesson has one exercise; this is a second one');
      sawExercise = true;
    }
    const fields = readFields(b, problems, FIELDS[b.kind], where);
    if (fields === null) continue;
    if (b.kind === 'step') {
      const step = readStep(fields, b, n, where, problems);
      if (step) steps.push(step);
    } else if (b.kind === 'exercise') {
      exercise = readExercise(fields, b, problems);
    } else {
      if (b.prose.trim() !== '') {
        problems.add(
          b.proseLine,
          `${where}: text before a solution block would be hidden with it; move it above the exercise or below the last solution`,
        );
      }
      const line = readSolution(fields, b, where, problems);
      if (line) solution.push(line);
    }
  }
  const lastLine = lines.length;
  if (steps.length === 0 && !blocks.some((b) => b.kind === 'step'))
    problems.add(lastLine, 'the lesson has no ```step block');
  if (!blocks.some((b) => b.kind === 'exercise'))
    problems.add(lastLine, 'the lesson has no ```exercise block (every lesson ends with one)');
  else if (!blocks.some((b) => b.kind === 'solution'))
    problems.add(
      lastLine,
      'the exercise has no ```solution block: the replay test runs the solution to prove the exercise can be done',
    );
  for (const [i, l] of lines.entries()) {
    // Checks complain about their own placeholders, with the check's name.
    if (/^check\s*:/.test(l)) continue;
    for (const p of placeholdersIn(l)) {
      if (!p.known && p.surely) problems.add(i + 1, unknownPlaceholder(p.name));
    }
  }

  if (problems.list.length > 0 || !exercise || front.title === null) {
    problems.list.sort((a, b) => a.line - b.line);
    return { lesson: null, problems: problems.list };
  }
  exercise.solution = solution;
  const placeholders = new Set<string>();
  for (const l of lines) for (const p of placeholdersIn(l)) if (p.known) placeholders.add(p.name);
  return {
    lesson: {
      id: name.replace(/\.md$/, ''),
      file,
      title: front.title,
      goal: front.goal ?? '',
      concepts: front.concepts,
      prose: blocks.length > 0 ? front.prose : closing,
      steps,
      exercise,
      closing,
      placeholders: [...placeholders].sort(),
    },
    problems: [],
  };
}

// ---------------------------------------------------------------------------------------------
// The front matter: --- / title: ... / goal: ... / concepts: 1, 8 / ---

interface Front {
  title: string | null;
  goal: string | null;
  concepts: number[];
  /** Index of the first line after the front matter. */
  end: number;
  prose: string;
}

function readFrontMatter(lines: string[], problems: Problems): Front {
  const front: Front = { title: null, goal: null, concepts: [], end: 0, prose: '' };
  if (lines[0]?.trim() !== '---') {
    problems.add(
      1,
      'front matter: a lesson starts with a line "---", then title:, goal: and concepts:, then "---"',
    );
    return front;
  }
  const close = lines.findIndex((l, i) => i > 0 && l.trim() === '---');
  if (close < 0) {
    problems.add(1, 'front matter: no closing "---" line');
    return front;
  }
  front.end = close + 1;
  const block: Block = {
    kind: 'step',
    line: 1,
    prose: '',
    proseLine: 1,
    body: lines.slice(1, close).map((text, i) => ({ n: i + 2, text })),
  };
  const fields = readFields(block, problems, FRONT_FIELDS, 'front matter') ?? [];
  for (const f of fields) {
    const value = f.value.trim();
    if (f.key === 'title') front.title = value || null;
    else if (f.key === 'goal') front.goal = value || null;
    else {
      const seen = new Set<number>();
      for (const part of value.split(',')) {
        const t = part.trim();
        const n = Number(t);
        if (!/^\d+$/.test(t) || CONCEPTS[n] === undefined) {
          problems.add(
            f.line,
            `front matter: concepts are curriculum numbers from 1 to ${Object.keys(CONCEPTS).length} separated by commas ("${t}" is not one)`,
          );
        } else if (seen.has(n)) problems.add(f.line, `front matter: concept ${n} is listed twice`);
        else seen.add(n);
      }
      front.concepts = [...seen];
    }
  }
  for (const key of FRONT_FIELDS) {
    if (!fields.some((f) => f.key === key)) problems.add(1, `front matter: ${key}: is missing`);
    else if (key !== 'concepts' && fields.find((f) => f.key === key)?.value.trim() === '') {
      problems.add(fields.find((f) => f.key === key)!.line, `front matter: ${key}: is empty`);
    }
  }
  return front;
}

// ---------------------------------------------------------------------------------------------
// Prose and fenced blocks

function splitBlocks(
  lines: string[],
  start: number,
  problems: Problems,
): { blocks: Block[]; closing: string } {
  const blocks: Block[] = [];
  let prose: string[] = [];
  let proseLine = start + 1;
  let i = start;
  while (i < lines.length) {
    const line = lines[i]!;
    const fence = /^(`{3,}|~{3,})\s*([\w-]*)\s*$/.exec(line);
    if (!fence) {
      prose.push(line);
      i++;
      continue;
    }
    const [, marks, info] = fence as unknown as [string, string, string];
    const closeRe = new RegExp(`^${marks[0] === '`' ? '`' : '~'}{${marks.length},}\\s*$`);
    let j = i + 1;
    while (j < lines.length && !closeRe.test(lines[j]!)) j++;
    if (j >= lines.length) {
      problems.add(i + 1, `a fenced block opened here (${marks}${info}) is never closed`);
      break;
    }
    if ((BLOCK_KINDS as readonly string[]).includes(info)) {
      blocks.push({
        kind: info as BlockKind,
        line: i + 1,
        prose: tidy(prose),
        proseLine,
        body: lines.slice(i + 1, j).map((text, k) => ({ n: i + 2 + k, text })),
      });
      prose = [];
      proseLine = j + 2;
    } else {
      if (/^(steps?|exercises?|solutions?|checks?)$/i.test(info)) {
        problems.add(
          i + 1,
          `unknown block kind "${info}" (expected ${orList([...BLOCK_KINDS])}, in lower case)`,
        );
      }
      // An ordinary Markdown code block: it is prose.
      prose.push(...lines.slice(i, j + 1));
    }
    i = j + 1;
  }
  return { blocks, closing: tidy(prose) };
}

/** Markdown without the blank lines around it. */
function tidy(lines: string[]): string {
  let a = 0;
  let b = lines.length;
  while (a < b && lines[a]!.trim() === '') a++;
  while (b > a && lines[b - 1]!.trim() === '') b--;
  return lines.slice(a, b).join('\n');
}

/** `key: value` lines; a value may continue on the following indented lines. */
function readFields(
  block: Block,
  problems: Problems,
  allowed: readonly string[] = FIELDS[block.kind],
  where: string = block.kind,
): Field[] | null {
  const fields: Field[] = [];
  let current: { key: string; first: string; line: number; more: { n: number; text: string }[] } | null =
    null;
  let ok = true;
  const finish = () => {
    if (!current) return;
    const more = [...current.more];
    while (more.length > 0 && more[more.length - 1]!.text.trim() === '') more.pop();
    const indents = more.filter((l) => l.text.trim() !== '').map((l) => /^\s*/.exec(l.text)![0].length);
    const cut = indents.length ? Math.min(...indents) : 0;
    const rest = more.map((l) => l.text.slice(Math.min(cut, l.text.length)).trimEnd());
    if (current.key === 'run' && current.first !== '' && rest.length > 0) {
      problems.add(
        current.line,
        `${where}: write a multi-line run as "run:" alone on its line, then the Python lines indented below it`,
      );
      ok = false;
    }
    if (current.key === 'run') {
      const blank = more.findIndex((l) => l.text.trim() === '');
      if (blank >= 0) {
        problems.add(
          more[blank]!.n,
          `${where}: a blank line inside run would end the block at Python's prompt; remove it`,
        );
        ok = false;
      }
    }
    const value = current.first !== '' ? [current.first, ...rest].join('\n') : rest.join('\n');
    fields.push({
      key: current.key,
      value,
      line: current.line,
      block: current.first === '' && rest.length > 0,
    });
    current = null;
  };
  for (const { n, text } of block.body) {
    if (text.trim() === '') {
      current?.more.push({ n, text });
      continue;
    }
    if (/^\s/.test(text)) {
      if (!current) {
        problems.add(n, `${where}: an indented line must continue a field ("key: value" above it)`);
        ok = false;
      } else current.more.push({ n, text });
      continue;
    }
    const m = /^([A-Za-z][\w-]*)\s*:(?:\s(.*))?$|^([A-Za-z][\w-]*)\s*:$/.exec(text);
    if (!m) {
      problems.add(
        n,
        `${where}: expected "key: value" (${orList(allowed.map((k) => `${k}:`))}), got "${text.slice(0, 40)}"`,
      );
      ok = false;
      continue;
    }
    finish();
    const key = m[1] ?? m[3]!;
    if (!allowed.includes(key)) {
      problems.add(n, `${where}: unknown field "${key}" (expected ${orList([...allowed])})`);
      ok = false;
      continue;
    }
    if (!REPEATABLE.has(key) && fields.some((f) => f.key === key)) {
      problems.add(n, `${where}: ${key}: is given twice`);
      ok = false;
      continue;
    }
    current = { key, first: (m[2] ?? '').trim(), line: n, more: [] };
  }
  finish();
  return ok ? fields : null;
}

const field = (fields: Field[], key: string) => fields.find((f) => f.key === key);

function readChecks(
  fields: Field[],
  where: string,
  problems: Problems,
  program: string | null,
): StepCheck[] | null {
  const checks: StepCheck[] = [];
  let ok = true;
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    if (f.key === 'hint') {
      if (fields[i - 1]?.key !== 'check') {
        problems.add(f.line, `${where}: hint: must come right after the check: it explains`);
        ok = false;
      }
      continue;
    }
    if (f.key !== 'check') continue;
    const next = fields[i + 1];
    if (next?.key !== 'hint' || next.value.trim() === '') {
      problems.add(
        f.line,
        `${where}: this check has no hint: add "hint:" right after it, for the student who fails it`,
      );
      ok = false;
    }
    let parsed: StepCheck['check'];
    try {
      parsed = parseCheck(f.value.replace(/\n/g, ' '));
    } catch (err) {
      if (!(err instanceof CheckSyntaxError)) throw err;
      problems.add(f.line, `${where}: ${err.message}`);
      ok = false;
      continue;
    }
    if (parsed.kind === 'output' && program !== null && parsed.program !== program) {
      problems.add(
        f.line,
        `${where}: an output check reads what this step's line printed, so its program must be ${program} (not ${parsed.program})`,
      );
      ok = false;
    }
    if (parsed.kind === 'server-call' && !(LESSON_SERVERS as readonly string[]).includes(parsed.server)) {
      problems.add(
        f.line,
        `${where}: server-call: unknown lesson server "${parsed.server}" (expected ${orList([...LESSON_SERVERS])})`,
      );
      ok = false;
    }
    checks.push({
      source: f.value.replace(/\n/g, ' ').trim(),
      check: parsed,
      hint: next?.value ?? '',
      line: f.line,
    });
  }
  if (checks.length === 0 && ok) {
    problems.add(
      fields[0]?.line ?? 0,
      `${where}: no check: every ${where.startsWith('exercise') ? 'exercise' : 'step'} is judged on a fact (check: ...)`,
    );
    ok = false;
  }
  return ok ? checks : null;
}

function readWaits(fields: Field[], where: string, problems: Problems): boolean | null {
  const f = field(fields, 'waits');
  if (!f) return false;
  const v = f.value.trim().toLowerCase();
  if (v === 'true' || v === 'yes') return true;
  if (v === 'false' || v === 'no') return false;
  problems.add(f.line, `${where}: waits: is true or false (got "${f.value}")`);
  return null;
}

function readWhen(fields: Field[], where: string, problems: Problems): BindMode | undefined | null {
  const f = field(fields, 'when');
  if (!f) return undefined;
  const v = f.value.trim();
  if ((BIND_MODES as readonly string[]).includes(v)) return v as BindMode;
  problems.add(
    f.line,
    `${where}: when: is loopback (students bind loopback only, the default) or lan (npm start -- --lan); got "${f.value}"`,
  );
  return null;
}

function readProgram(
  fields: Field[],
  block: Block,
  where: string,
  problems: Problems,
  serversToo: boolean,
): string | null {
  const f = field(fields, 'program');
  if (!f) {
    problems.add(
      block.line,
      `${where}: program: is missing (${serversToo ? PROGRAM_WORDS : orList([...PROGRAMS])})`,
    );
    return null;
  }
  const p = f.value.trim();
  const isProgram = (PROGRAMS as readonly string[]).includes(p);
  const isServer = (LESSON_SERVERS as readonly string[]).includes(p);
  if (isProgram || (serversToo && isServer)) return p;
  problems.add(
    f.line,
    isServer
      ? `${where}: a solution line runs in a program (${orList([...PROGRAMS])}), not in the lesson server "${p}"`
      : `${where}: unknown program "${p}" (expected ${serversToo ? PROGRAM_WORDS : orList([...PROGRAMS])})`,
  );
  return null;
}

function readStep(fields: Field[], b: Block, n: number, where: string, problems: Problems): Step | null {
  const before = problems.list.length;
  const program = readProgram(fields, b, where, problems, true);
  const run = field(fields, 'run');
  const waits = readWaits(fields, where, problems);
  const when = readWhen(fields, where, problems);
  const isServer = program !== null && !(PROGRAMS as readonly string[]).includes(program);
  if (program !== null && !isServer && (!run || run.value.trim() === '')) {
    problems.add(run?.line ?? b.line, `${where}: run: is missing: which line does ${program} type?`);
  }
  if (isServer && run) {
    problems.add(
      run.line,
      `${where}: ${program} is a lesson server: nobody types into it, so its step has no run: (it watches what the server did)`,
    );
  }
  if (isServer && waits)
    problems.add(field(fields, 'waits')!.line, `${where}: waits: applies to a line that runs`);
  const expect = field(fields, 'expect');
  if (!expect || expect.value.trim() === '') {
    problems.add(expect?.line ?? b.line, `${where}: expect: is missing: say what the student should see`);
  }
  const checks = readChecks(fields, where, problems, program !== null && !isServer ? program : null);
  if (isServer && checks?.some((c) => c.check.kind === 'output')) {
    problems.add(b.line, `${where}: a lesson server prints nothing: use server-call or state checks here`);
  }
  if (problems.list.length > before || program === null || checks === null || waits === null || when === null)
    return null;
  return {
    n,
    prose: b.prose,
    program,
    run: isServer ? null : run!.value,
    waits,
    expect: expect!.value,
    checks,
    line: b.line,
    ...(when ? { when } : {}),
  };
}

function readExercise(fields: Field[], b: Block, problems: Problems): Exercise | null {
  const task = field(fields, 'task');
  if (!task || task.value.trim() === '') problems.add(task?.line ?? b.line, 'exercise: task: is missing');
  const checks = readChecks(fields, 'exercise', problems, null);
  if (!task || checks === null) return null;
  return { prose: b.prose, task: task.value, checks, solution: [], line: b.line };
}

function readSolution(fields: Field[], b: Block, where: string, problems: Problems): SolutionLine | null {
  const program = readProgram(fields, b, where, problems, false);
  const run = field(fields, 'run');
  const waits = readWaits(fields, where, problems);
  if (!run || run.value.trim() === '') {
    problems.add(run?.line ?? b.line, `${where}: run: is missing`);
    return null;
  }
  if (program === null || waits === null) return null;
  return { program: program as Program, run: run.value, waits, line: b.line };
}
