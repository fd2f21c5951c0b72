import request from 'supertest';
import { commentPayload, createSite, type Stack, startStack, unique, waitForDecision } from './support/stack.js';

const auth = (key: string) => ({ Authorization: `Bearer ${key}` });
const CYCLE_PROBLEM = { field: 'parentId', problem: 'names a comment that replies to this one, directly or further down' };

interface ThreadNode {
  externalId: string;
  children: ThreadNode[];
}

/**
 * A reply may arrive before its parent and is linked when the parent comes; a parent that is
 * itself waiting for the comment as its own parent would close a loop, in which neither would
 * ever reach the top of the published thread.
 */
describe('reply cycles', () => {
  let stack: Stack;
  let site: { id: string; apiKey: string };

  beforeAll(async () => {
    stack = await startStack();
    site = await createSite(stack, 'Reply cycles');
  });
  afterAll(() => stack.close());

  /** Comments on one new article, named by their externalIds. */
  function article() {
    const articleId = unique('cycle-article');
    const names = new Map<string, string>();
    const ext = (name: string) => names.get(name) ?? names.set(name, unique(name)).get(name)!;
    const comment = (name: string, parent?: string) => commentPayload({ articleId, externalId: ext(name), ...(parent ? { parentId: ext(parent) } : {}) });
    /** The published thread by the names the test gave: `{ a: { b: {} } }` for a reply b to a. */
    const thread = async () => {
      const response = await request(stack.http).get(`/v1/articles/${articleId}/thread`).set(auth(site.apiKey)).expect(200);
      const nameOf = new Map([...names].map(([name, id]) => [id, name]));
      const shape = (nodes: ThreadNode[]): Record<string, unknown> => Object.fromEntries(nodes.map((n) => [nameOf.get(n.externalId), shape(n.children)]));
      return shape(response.body.comments);
    };
    return { comment, thread };
  }

  const send = (comment: Record<string, unknown>) => request(stack.http).post('/v1/comments').set(auth(site.apiKey)).send(comment);
  const decided = (...ids: string[]) => Promise.all(ids.map((id) => waitForDecision(stack, site.apiKey, id)));

  it('refuses a comment whose parent is waiting for it as its own parent, sent one by one', async () => {
    const { comment, thread } = article();
    const a = await send(comment('a', 'b')).expect(202);
    const refused = await send(comment('b', 'a')).expect(400);
    expect(refused.body).toMatchObject({ error: 'validation_failed', details: [CYCLE_PROBLEM] });
    expect(refused.body.message).toBe(`parentId ${CYCLE_PROBLEM.problem}`);

    // Further up: c ← d ← e, with c waiting for e as its parent.
    const c = await send(comment('c', 'e')).expect(202);
    const d = await send(comment('d', 'c')).expect(202);
    await send(comment('e', 'd')).expect(400);
    const f = await send(comment('f', 'd')).expect(202);

    await decided(a.body.id, c.body.id, d.body.id, f.body.id);
    expect(await thread()).toEqual({ a: {}, c: { d: { f: {} } } });
  });

  it('refuses the comment that would close a loop in a batch, as it would one by one, and stores the others', async () => {
    const { comment, thread } = article();
    const stored = await send(comment('x', 'y')).expect(202);
    const response = await request(stack.http)
      .post('/v1/comments/batch')
      .set(auth(site.apiKey))
      .send({ comments: [comment('a', 'b'), comment('b', 'a'), comment('c', 'b'), comment('r', 'a'), comment('y', 'x'), comment('p', 'q'), comment('q', 'z'), comment('z')] })
      .expect(200);
    expect(response.body.results.map((r: { status: string }) => r.status)).toEqual(['accepted', 'invalid', 'accepted', 'accepted', 'invalid', 'accepted', 'accepted', 'accepted']);
    expect(response.body.results[1].errors).toEqual([CYCLE_PROBLEM]);
    expect(response.body.results[4].errors).toEqual([CYCLE_PROBLEM]);

    const accepted = response.body.results.filter((r: { status: string }) => r.status === 'accepted').map((r: { id: string }) => r.id);
    await decided(stored.body.id, ...accepted);
    // a and x wait for parents that were refused; c's parent b was refused too.
    expect(await thread()).toEqual({ a: { r: {} }, c: {}, x: {}, z: { q: { p: {} } } });
  });

  it('publishes comments already stored in a loop, the oldest of the loop at the top', async () => {
    const { comment, thread } = article();
    const ids: Record<string, string> = {};
    for (const [name, parent] of [['root', undefined], ['a', undefined], ['b', 'a'], ['c', 'b'], ['d', 'root']] as const) {
      ids[name] = (await send(comment(name, parent)).expect(202)).body.id;
    }
    await decided(...Object.values(ids));
    // As ingestion could store before it refused loops: a became a reply to b.
    await stack.db.query('UPDATE comments SET parent_id = $1 WHERE id = $2', [ids.b, ids.a]);
    expect(await thread()).toEqual({ root: { d: {} }, a: { b: { c: {} } } });
    // A reply under the loop that another reply already waits for: its check for a loop of its
    // own walks up into the old loop, goes round it until the depth limit, and lets it in.
    const waiting = (await send(comment('f', 'e')).expect(202)).body.id;
    await decided(waiting, (await send(comment('e', 'c')).expect(202)).body.id);
    expect(await thread()).toEqual({ root: { d: {} }, a: { b: { c: { e: { f: {} } } } } });
  });
});
