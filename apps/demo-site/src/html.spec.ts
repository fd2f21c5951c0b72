import { escapeHtml, html, safeHttpUrl } from './html.js';

describe('html', () => {
  it('escapes the five HTML-significant characters', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });

  it('escapes every interpolated value, except markup made by html itself', () => {
    const name = '<b>Ann</b>';
    const inner = html`<em>${name}</em>`;
    expect(html`<p title="${name}">${inner} ${[name, 3]} ${null}${undefined}${false}</p>`.markup).toBe(
      '<p title="&lt;b&gt;Ann&lt;/b&gt;"><em>&lt;b&gt;Ann&lt;/b&gt;</em> &lt;b&gt;Ann&lt;/b&gt;3 </p>',
    );
  });

  it('lets only absolute http(s) URLs through', () => {
    expect(safeHttpUrl('https://news.example/a?b=1')).toBe('https://news.example/a?b=1');
    for (const url of ['javascript:alert(1)', 'data:text/html,x', '//evil.example', '/relative', '', null, undefined]) {
      expect(safeHttpUrl(url)).toBeUndefined();
    }
  });
});
