import { describe, expect, it } from 'vitest';
import { parseCourse } from './course';

describe('parseCourse', () => {
  it('reads a Killercoda structure.json in order', () => {
    const text = JSON.stringify({
      title: 'Isolation',
      description: 'Four lessons',
      items: [{ path: 'b' }, { path: './a/' }],
    });
    expect(parseCourse(text)).toEqual({
      ok: true,
      course: { title: 'Isolation', description: 'Four lessons', slugs: ['b', 'a'] },
    });
  });

  it.each([
    ['{nope', /not valid JSON/],
    ['[]', /needs a "title"/],
    ['{"title":"T","items":[]}', /needs "items"/],
    ['{"title":"T","items":[{"name":"x"}]}', /needs a "path"/],
  ])('explains what is wrong with %s', (text, message) => {
    const result = parseCourse(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toMatch(message);
  });
});
