/**
 * The lesson gallery: the built-in lessons and any a teacher opened (a dropped or picked .md file),
 * searchable by title, topic and level; each opens at its first step, and each can be copied as a
 * link that carries the whole document (`#lesson=~doc1.…`, lesson_link.ts). A panel for the panel
 * registry (src/ui/panels.ts); its heading id is `gallery-title`.
 */
import { useId, useState, useSyncExternalStore, type DragEvent } from 'react';
import { useController } from './context.ts';
import { addedLessons, LESSONS, lessonsVersion, subscribeLessons } from './lessons/index.ts';
import { lessonToMarkdown } from './lessons/lesson_doc.ts';
import { encodeLessonLink, MAX_INLINE_LINK, readLessonFile } from './lessons/lesson_link.ts';
import type { Lesson } from './lessons/types.ts';
import { openLoadedLesson } from './shared_lesson.ts';
import { runnerFor } from './lesson_runner.ts';

/** Whether a lesson matches every word of the search, in its title, summary, topic, level or id. */
export function matchesSearch(l: Lesson, query: string): boolean {
  const hay = [l.title, l.summary, l.topic ?? '', l.level ?? '', l.id].join(' ').toLowerCase();
  return query
    .toLowerCase()
    .split(/\s+/)
    .filter(Boolean)
    .every((w) => hay.includes(w));
}

export function LessonGallery() {
  const app = useController();
  const [query, setQuery] = useState('');
  // a lesson loaded elsewhere (the lesson editor, a link) shows here at once
  useSyncExternalStore(subscribeLessons, lessonsVersion);
  const [problem, setProblem] = useState<string | null>(null);
  const [status, setStatus] = useState('');
  const [dragging, setDragging] = useState(false);
  const ids = { search: useId(), file: useId() };
  const lessons = [...LESSONS, ...addedLessons()].filter((l) => matchesSearch(l, query));

  const load = async (files: FileList | null) => {
    const file = files?.[0];
    if (!file) return;
    setProblem(null);
    try {
      const lesson = await readLessonFile(file);
      await openLoadedLesson(app, lesson);
      setStatus(`Opened “${lesson.title}” from ${file.name}.`);
    } catch (e) {
      setProblem((e as Error).message);
    }
  };
  const copyLink = async (l: Lesson) => {
    try {
      const hash = await encodeLessonLink(lessonToMarkdown(l));
      const url = `${location.origin}${location.pathname}${hash}`;
      await navigator.clipboard.writeText(url);
      setStatus(
        url.length > MAX_INLINE_LINK
          ? `Copied a link of ${url.length} characters: long links get cut by some mail and chat tools; share the .md file instead.`
          : `Copied a link to “${l.title}” (${url.length} characters).`,
      );
    } catch (e) {
      setProblem(`Could not copy the link: ${(e as Error).message}`);
    }
  };
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setDragging(false);
    void load(e.dataTransfer.files);
  };

  return (
    <section
      className={`panel lesson-gallery${dragging ? ' dragging' : ''}`}
      aria-labelledby="gallery-title"
      data-testid="lesson-gallery"
      onDragOver={(e) => {
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={onDrop}
    >
      <h2 id="gallery-title">Lesson gallery</h2>
      <label htmlFor={ids.search}>Search</label>{' '}
      <input
        id={ids.search}
        type="search"
        value={query}
        placeholder="title, topic or level"
        onChange={(e) => setQuery(e.target.value)}
      />
      <ul className="lesson-gallery-list" aria-label="Lessons">
        {lessons.map((l) => (
          <li key={l.id} data-testid={`gallery-${l.id}`}>
            <strong>{l.title}</strong>{' '}
            <span className="muted">
              {[
                l.level,
                l.duration !== undefined ? `${l.duration} min` : null,
                l.topic,
                `${l.steps.length} steps`,
              ]
                .filter(Boolean)
                .join(' · ')}
            </span>
            <p className="muted">{l.summary}</p>
            <div className="buttons">
              <button type="button" onClick={() => void runnerFor(app).open(l.id)}>
                Open
              </button>{' '}
              <button type="button" onClick={() => void copyLink(l)}>
                Copy link
              </button>
            </div>
          </li>
        ))}
        {!lessons.length && <li className="muted">No lesson matches “{query}”.</li>}
      </ul>
      <p>
        <label htmlFor={ids.file}>Open a lesson file (.md), or drop one here:</label>{' '}
        <input
          id={ids.file}
          type="file"
          accept=".md,text/markdown,text/plain"
          onChange={(e) => void load(e.target.files)}
        />
      </p>
      <p className="muted" role="status">
        {status}
      </p>
      {problem && (
        <pre className="lesson-error" role="alert" data-testid="gallery-error">
          {problem}
        </pre>
      )}
    </section>
  );
}
