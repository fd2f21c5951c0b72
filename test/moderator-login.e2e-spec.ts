import request from 'supertest';
import { ADMIN_TOKEN, type Stack, startStack, unique } from './support/stack.js';

const PASSWORD = 'correct horse battery staple';
const WRONG = 'wrong password!!';

/** The lock-out of moderator accounts under concurrent guessing, and after a lock ends. */
describe('moderator login lock-out', () => {
  let stack: Stack;

  async function createModerator() {
    const email = `${unique('mod')}@news.example`;
    const created = await request(stack.http)
      .post('/v1/admin/moderators')
      .set('Authorization', `Bearer ${ADMIN_TOKEN}`)
      .send({ email, name: 'Mod', password: PASSWORD, role: 'moderator', siteIds: [] })
      .expect(201);
    return { email, id: created.body.id as string };
  }

  const login = (email: string, password: string) => request(stack.http).post('/v1/auth/login').send({ email, password });

  beforeAll(async () => {
    stack = await startStack({ worker: false });
  });
  afterAll(() => stack.close());

  it('checks no more than five of many concurrent guesses, and refuses the right password while locked', async () => {
    const account = await createModerator();
    const answers = await Promise.all(Array.from({ length: 20 }, () => login(account.email, WRONG)));
    const count = (status: number) => answers.filter((a) => a.status === status).length;
    expect([count(401), count(423)]).toEqual([4, 16]);
    // Every guess checked against the hash counts as a failed login: only five were.
    const [row] = await stack.db.query(`SELECT failed_logins FROM moderators WHERE id = $1`, [account.id]);
    expect(row.failed_logins).toBe(5);
    const locked = await login(account.email, PASSWORD).expect(423);
    expect(locked.body.error).toBe('account_locked');
  });

  it('starts a fresh count when a lock has ended: one wrong password does not lock again', async () => {
    const account = await createModerator();
    for (let i = 0; i < 5; i++) await login(account.email, WRONG);
    await login(account.email, PASSWORD).expect(423);
    await stack.db.query(`UPDATE moderators SET locked_until = now() - interval '1 second' WHERE id = $1`, [account.id]);
    const wrong = await login(account.email, WRONG).expect(401);
    expect(wrong.body.message).toBe('Wrong e-mail or password');
    await login(account.email, PASSWORD).expect(200);
  });
});
