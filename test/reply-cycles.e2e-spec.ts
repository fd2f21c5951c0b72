import request from 'supertest';
import { commentPayload, createSite, type Stack, startStack, unique, waitForDecision } from './support/stack.js';

const auth = (key: string) => ({ Authorization: `Bearer ${key}` });

interface ThreadNode {
  externalId: string;
  children: ThreadNode[];
}

/** Loops of replies, in which no comment would ever reach the top of the published thread. */
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
  });
});
