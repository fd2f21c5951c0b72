import { readFileSync } from 'node:fs';

/**
 * The demo's fixture (fixtures/demo-thread.json): the site, its demo article and the comment
 * thread the loader sends to Threadkeeper. The demo site reads the same file for the article's
 * text, as a news site's article service would have it in its own database.
 */
export interface DemoArticle {
  /** The site's own article id, also the demo site's URL path: /articles/<id>. */
  id: string;
  title: string;
  url: string;
  /** Paragraphs. */
  body: string[];
}

export interface DemoComment {
  externalId: string;
  /** The parent's externalId. */
  parentId?: string;
  author: { id: string; name: string };
  body: string;
  /** Wait this long after the previous comment before sending this one, so the thread grows while you watch. */
  delayMs?: number;
}

export interface DemoFixture {
  site: { name: string; slug: string };
  /** A partial moderation policy the loader puts in force when the site's differs. */
  policy?: Record<string, unknown>;
  article: DemoArticle;
  comments: DemoComment[];
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const isText = (value: unknown): value is string => typeof value === 'string' && value.trim().length > 0;

/** Collects every problem with its JSON path, so one run names everything wrong with the file. */
function fixtureProblems(value: unknown): string[] {
  const problems: string[] = [];
  const text = (object: Json, key: string, at: string) => {
    if (!isText(object[key])) problems.push(`${at}.${key} must be a non-empty string`);
  };
  if (!isObject(value)) return ['the file must hold a JSON object'];
  if (!isObject(value.site)) problems.push('site must be an object');
  else ['name', 'slug'].forEach((key) => text(value.site as Json, key, 'site'));
  if (value.policy !== undefined && !isObject(value.policy)) problems.push('policy must be an object');
  const article = value.article;
  if (!isObject(article)) problems.push('article must be an object');
  else {
    ['id', 'title', 'url'].forEach((key) => text(article, key, 'article'));
    if (!Array.isArray(article.body) || !article.body.every(isText)) problems.push('article.body must be an array of paragraphs');
  }
  if (!Array.isArray(value.comments)) return [...problems, 'comments must be an array'];
  const externalIds = new Set<string>();
  value.comments.forEach((comment: unknown, index) => {
    const at = `comments[${index}]`;
    if (!isObject(comment)) {
      problems.push(`${at} must be an object`);
      return;
    }
    text(comment, 'externalId', at);
    text(comment, 'body', at);
    if (comment.parentId !== undefined) text(comment, 'parentId', at);
    if (!isObject(comment.author)) problems.push(`${at}.author must be an object`);
    else ['id', 'name'].forEach((key) => text(comment.author as Json, key, `${at}.author`));
    const { delayMs } = comment;
    if (delayMs !== undefined && !(Number.isInteger(delayMs) && (delayMs as number) >= 0)) problems.push(`${at}.delayMs must be a whole number of milliseconds`);
    if (typeof comment.externalId === 'string') {
      if (externalIds.has(comment.externalId)) problems.push(`${at}.externalId repeats ${comment.externalId}`);
      externalIds.add(comment.externalId);
    }
  });
  return problems;
}

/** Reads and checks the fixture; throws an Error whose message names the file and every problem. */
export function readDemoFixture(path: string): DemoFixture {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read the demo fixture ${path}: ${(error as Error).message}`);
  }
  const problems = fixtureProblems(parsed);
  if (problems.length > 0) throw new Error(`the demo fixture ${path} is not valid:\n  - ${problems.join('\n  - ')}`);
  return parsed as DemoFixture;
}
