import { describe, expect, it } from 'vitest';
import { parseCourse, parsePathway } from './course';

describe('parseCourse', () => {
  it('reads a Killercoda structure.json in order', () => {
    const text = JSON.stringify({
      title: 'Isolation',
      description: 'Four lessons',
      items: [{ path: 'b' }, { path: './a/' }],
    });
    expect(parseCourse(text)).toEqual({
      ok: true,
      course: { title: 'Isolation', description: 'Four lessons', slugs: ['b', 'a'], lines: [1, 1] },
    });
  });

  it('gives a structure.json without a title, as Killercoda authors write it, a plain one', () => {
    expect(
      parseCourse('{\n  "items": [\n    { "path": "intro", "title": "Intro" }\n  ]\n}'),
    ).toEqual({
      ok: true,
      course: { title: 'Lessons', description: '', slugs: ['intro'], lines: [3] },
    });
  });

  it.each([
    ['{nope', 1, /not valid JSON/],
    ['\n[]', 2, /must hold one object/],
    ['{\n"description": "x"}', 1, /needs a non-empty list "items"/],
    ['{"title":"T",\n"items":[]}', 2, /needs a non-empty list "items"/],
    ['{"title":"T","items":[\n{"name":"x"}]}', 2, /needs a "path"/],
  ])('explains what is wrong with %j, at its line', (text, line, message) => {
    const result = parseCourse(text);
    expect(result).toMatchObject({ ok: false, line });
    if (!result.ok) expect(result.message).toMatch(message);
  });
});

describe('parsePathway', () => {
  it('reads a Katacoda pathway, courses in order', () => {
    const text = JSON.stringify({
      title: 'Kubernetes',
      description: 'Kubernetes 101',
      icon: 'fa-kubernetes',
      courses: [
        { course_id: 'k8s-hello', title: 'Hello' },
        { course_id: 'k8s-hpa', title: 'HPA' },
      ],
    });
    expect(parsePathway(text, 'k8s-pathway.json')).toEqual({
      ok: true,
      course: {
        title: 'Kubernetes',
        description: 'Kubernetes 101',
        slugs: ['k8s-hello', 'k8s-hpa'],
        lines: [1, 1],
      },
    });
  });

  it('names the file and the key a pathway item lacks', () => {
    const result = parsePathway('{"title":"K","courses":[{"path":"x"}]}', 'k8s-pathway.json');
    expect(result).toMatchObject({ ok: false, line: 1 });
    if (!result.ok) expect(result.message).toMatch(/"courses" needs a "course_id"/);
  });
});
