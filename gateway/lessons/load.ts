// Reads every lesson file of a directory (asynchronously), validates each, and says what is wrong
// with file:line. Also the JSON the gateway serves at GET /api/lessons: the lessons without the
// exercise solutions, which stay in the files for the replay test and never reach a student.

import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseLesson } from './parse.js';
import type { Lesson, LessonProblem } from './types.js';

export interface LoadedLessons {
  lessons: Lesson[];
  problems: LessonProblem[];
}

/**
 * Every `NN-name.md` in `dir` (README.md and other files are not lessons), in file-name order.
 * `shownAs` is how errors name the directory (`lessons/03-x.md:42: ...`).
 */
export async function loadLessons(dir: string, shownAs = 'lessons'): Promise<LoadedLessons> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    return {
      lessons: [],
      problems: [{ file: shownAs, line: 0, message: `cannot read the lessons directory (${code})` }],
    };
  }
  const files = names.filter((n) => n.endsWith('.md') && n !== 'README.md').sort();
  const texts = await Promise.all(files.map((n) => readFile(join(dir, n), 'utf8')));
  const lessons: Lesson[] = [];
  const problems: LessonProblem[] = [];
  const byNumber = new Map<string, string>();
  files.forEach((name, i) => {
    const file = `${shownAs}/${name}`;
    const number = /^\d+/.exec(name)?.[0];
    if (number !== undefined) {
      const other = byNumber.get(number);
      if (other)
        problems.push({ file, line: 1, message: `lesson number ${number} is also used by ${other}` });
      else byNumber.set(number, name);
    }
    const r = parseLesson(file, texts[i]!);
    problems.push(...r.problems);
    if (r.lesson) lessons.push(r.lesson);
  });
  if (files.length === 0) problems.push({ file: shownAs, line: 0, message: 'no lesson files (NN-name.md)' });
  return { lessons, problems };
}
