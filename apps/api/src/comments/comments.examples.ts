// Examples for the OpenAPI document: what a site backend sends and gets back.

export const COMMENT_REQUEST = {
  externalId: 'c-1001',
  articleId: 'article-42',
  articleTitle: 'Council approves the new bridge',
  articleUrl: 'https://news.example/articles/42',
  parentId: 'c-1000',
  author: { id: 'reader-4711', name: 'Ann Example', email: 'ann@example.org', ip: '203.0.113.7', approvedCount: 12 },
  body: 'Finally! This bridge is long overdue.',
};

export const ACCEPTED_RESPONSE = { id: '7d0c1a1e-3b8e-4a53-9d7e-2f6f1c0b9a11', externalId: 'c-1001', status: 'pending' };

export const COMMENT_RESPONSE = {
  id: '7d0c1a1e-3b8e-4a53-9d7e-2f6f1c0b9a11',
  externalId: 'c-1002',
  articleId: 'article-42',
  parentId: 'c-1000',
  author: { id: 'reader-4712', name: 'Bob' },
  body: 'You are an idiot.',
  status: 'held',
  revision: 1,
  reportCount: 0,
  decision: {
    action: 'hold',
    decidedBy: 'system',
    reasons: [
      {
        code: 'list.insult',
        category: 'insult',
        phase: 'lists',
        message: 'Insult: "idiot"',
        spans: [{ start: 11, end: 16, text: 'idiot' }],
      },
    ],
    scores: { insult: 0.8 },
    engineVersion: '1.0.0',
    createdAt: '2026-11-25T09:30:01.204Z',
  },
  createdAt: '2026-11-25T09:30:01.112Z',
  updatedAt: '2026-11-25T09:30:01.204Z',
};

export const PAGE_RESPONSE = { items: [COMMENT_RESPONSE], nextCursor: 'WyIyMDI2LTExLTI1IDA5OjMwOjAxLjExMiswMCIsIjdkMGMuLi4iXQ' };

export const BATCH_REQUEST = {
  comments: [
    { externalId: 'c-2001', articleId: 'article-42', author: { id: 'reader-1', name: 'Ann' }, body: 'Good piece.' },
    { externalId: 'c-2002', articleId: 'article-42', parentId: 'c-2001', author: { id: 'reader-2', name: 'Bo' }, body: 'Agreed.' },
    { externalId: 'c-2003', articleId: 'article-42', author: { id: 'reader-3' }, body: 'Missing a name' },
  ],
};

export const BATCH_RESPONSE = {
  accepted: 2,
  duplicates: 0,
  rejected: 1,
  results: [
    { status: 'accepted', id: '0f5e…', externalId: 'c-2001' },
    { status: 'accepted', id: '1a7c…', externalId: 'c-2002' },
    { status: 'invalid', externalId: 'c-2003', errors: [{ field: 'author.name', problem: 'must be a string' }] },
  ],
};

export const REPORT_REQUEST = { reason: 'abusive', reporterId: 'reader-99', note: 'Personal attack on another reader' };
export const REPORT_RESPONSE = { id: 'b3e1…', commentId: '7d0c1a1e-3b8e-4a53-9d7e-2f6f1c0b9a11', reportCount: 3, status: 'held' };
