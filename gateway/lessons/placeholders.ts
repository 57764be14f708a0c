// Placeholders in lesson texts: {PORT}, {PORT2} ... {PORT10} for the session's own ports (in the
// order `welcome.ports` lists them) and {echo}, {capitalize}, {udp-echo}... for the lesson servers'
// ports. One lesson file serves every session; each page (and the replay test) fills in its own.

import { LESSON_SERVERS, MAX_PORT_PLACEHOLDER } from './types.js';

/** The values one session gives the placeholders. */
export interface Fill {
  /** `welcome.ports`: {PORT} is ports[0], {PORT2} is ports[1]... */
  ports: readonly number[];
  /** Lesson server ports by name, from `welcome.lessonServers`. */
  servers: Readonly<Record<string, number>>;
}

export function fillFromWelcome(welcome: {
  ports: readonly number[];
  lessonServers: readonly { name: string; port: number }[];
}): Fill {
  return {
    ports: welcome.ports,
    servers: Object.fromEntries(welcome.lessonServers.map((l) => [l.name, l.port])),
  };
}

const PORT_RE = /^PORT([1-9]\d*)?$/;

/** Is `name` (without braces) a placeholder a lesson may use? */
export function isPlaceholder(name: string): boolean {
  const m = PORT_RE.exec(name);
  if (m) return m[1] === undefined || (Number(m[1]) >= 2 && Number(m[1]) <= MAX_PORT_PLACEHOLDER);
  return (LESSON_SERVERS as readonly string[]).includes(name);
}

/** The value of one placeholder in this session; undefined when the session cannot fill it. */
export function placeholderValue(name: string, fill: Fill): number | undefined {
  const m = PORT_RE.exec(name);
  if (m) {
    return fill.ports[m[1] === undefined ? 0 : Number(m[1]) - 1];
  }
  return fill.servers[name];
}

/** Every `{NAME}` that is a placeholder, or plainly meant to be one (PORT-like or hyphenated). */
const CANDIDATE = /\{(PORT\w*|[A-Za-z][\w]*(?:-[\w]+)+|[A-Za-z]\w*)\}/g;

export interface FoundPlaceholder {
  name: string;
  known: boolean;
  /** True for tokens that cannot be Python ({PORTX}, {udp-ehco}); unknown plain words may be f-string fields. */
  surely: boolean;
}

/** The placeholder-like tokens in a text, in order. */
export function placeholdersIn(text: string): FoundPlaceholder[] {
  const out: FoundPlaceholder[] = [];
  for (const m of text.matchAll(CANDIDATE)) {
    const name = m[1]!;
    out.push({ name, known: isPlaceholder(name), surely: name.startsWith('PORT') || name.includes('-') });
  }
  return out;
}

/** What is wrong with an unknown placeholder, in one sentence. */
export function unknownPlaceholder(name: string): string {
  return `unknown placeholder {${name}} (the session's ports are {PORT}, {PORT2} ... {PORT${MAX_PORT_PLACEHOLDER}}; lesson servers are ${LESSON_SERVERS.map((s) => `{${s}}`).join(', ')})`;
}

/** Replaces every known placeholder this session can fill; anything else stays as written. */
export function fillText(text: string, fill: Fill): string {
  return text.replace(CANDIDATE, (whole, name: string) => {
    if (!isPlaceholder(name)) return whole;
    const v = placeholderValue(name, fill);
    return v === undefined ? whole : String(v);
  });
}
