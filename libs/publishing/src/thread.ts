import type { EntityManager } from 'typeorm';

export interface ThreadNode {
  id: string;
  externalId: string;
  /** The parent's externalId, as the site sent it. */
  parentId: string | null;
  author: { id: string; name: string };
  body: string;
  createdAt: string;
  children: ThreadNode[];
}

export interface PublishedThread {
  siteId: string;
  article: { id: string; title: string | null; url: string | null };
  /** Grows with every change of what readers see; a receiver keeps the highest it has seen. */
  threadVersion: number;
  comments: ThreadNode[];
}

interface FlatComment extends Omit<ThreadNode, 'children'> {
  parentUuid: string | null;
}

// The article and its published comments in one statement, so the version matches the comments.
// A comment shows its last approved revision (an edit under review is not shown yet); withdrawn
// comments never show.
const THREAD_SQL = `
  SELECT a.site_id AS "siteId", a.external_id AS "articleId", a.title, a.url, a.thread_version::int AS version,
         COALESCE(json_agg(json_build_object(
           'id', c.id, 'externalId', c.external_id, 'parentId', c.parent_external_id, 'parentUuid', c.parent_id,
           'author', json_build_object('id', au.external_id, 'name', au.display_name),
           'body', r.body, 'createdAt', c.created_at) ORDER BY c.created_at, c.id)
           FILTER (WHERE c.id IS NOT NULL), '[]') AS comments
    FROM articles a
    LEFT JOIN comments c ON c.article_id = a.id AND c.published_revision IS NOT NULL AND c.status <> 'deleted'
    LEFT JOIN comment_revisions r ON r.comment_id = c.id AND r.revision = c.published_revision
    LEFT JOIN authors au ON au.id = c.author_id
   WHERE a.id = $1
   GROUP BY a.id`;

/**
 * The approved thread of an article as a tree, oldest first at every level. A reply whose parent
 * is not published (held, rejected, withdrawn) stands at the top level, keeping its parentId, and
 * so does the oldest comment of a loop of replies (stored before ingestion refused loops), which
 * would otherwise hang from its own replies and reach no top level.
 */
export async function loadPublishedThread(db: EntityManager, articleId: string): Promise<PublishedThread | null> {
  const [row] = await db.query(THREAD_SQL, [articleId]);
  if (!row) return null;
  const flat: FlatComment[] = row.comments;
  const nodes = new Map<string, ThreadNode>();
  for (const { parentUuid: _parent, ...comment } of flat) nodes.set(comment.id, { ...comment, children: [] });
  const loopTops = oldestOfEachLoop(flat);
  const roots: ThreadNode[] = [];
  for (const comment of flat) {
    const node = nodes.get(comment.id)!;
    const parent = comment.parentUuid && !loopTops.has(comment.id) ? nodes.get(comment.parentUuid) : undefined;
    (parent ? parent.children : roots).push(node);
  }
  return {
    siteId: row.siteId,
    article: { id: row.articleId, title: row.title, url: row.url },
    threadVersion: row.version,
    comments: roots,
  };
}

/** The ids of the oldest comment (first in `flat`) of each loop of parents among these comments. */
function oldestOfEachLoop(flat: FlatComment[]): Set<string> {
  const index = new Map(flat.map((comment, i) => [comment.id, i]));
  // 0: not seen yet, 1: on the walk under way, 2: seen by an earlier walk.
  const state = new Uint8Array(flat.length);
  const tops = new Set<string>();
  for (let start = 0; start < flat.length; start++) {
    const walk: number[] = [];
    let i: number | undefined = start;
    while (i !== undefined && state[i] === 0) {
      state[i] = 1;
      walk.push(i);
      i = index.get(flat[i].parentUuid ?? '');
    }
    // Back on this walk: from there on, the walk went round a loop.
    if (i !== undefined && state[i] === 1) tops.add(flat[walk.slice(walk.indexOf(i)).reduce((a, b) => Math.min(a, b))].id);
    for (const j of walk) state[j] = 2;
  }
  return tops;
}
