/**
 * Open a teacher's lesson named by the page's URL: `#lesson=~doc1.…` (the document in the link) or
 * `?lesson-url=<same-origin .md>`, once the first machine is up. The lesson joins the list
 * (addLesson) and the runner opens it like a built-in one; a failure goes to the runner's error line
 * with its located message. Built-in ids (`?lesson=<id>`) stay with LessonPanel.
 */
import type { AppController } from './controller.ts';
import { runnerFor } from './lesson_runner.ts';
import { addLesson, findLesson } from './lessons/index.ts';
import { isLessonDocHash, lessonFromLink, lessonUrlFrom, fetchLessonDoc } from './lessons/lesson_link.ts';
import type { Lesson } from './lessons/types.ts';

/** Make a loaded lesson available and open it; a lesson reusing a built-in id is refused. */
export async function openLoadedLesson(app: AppController, lesson: Lesson): Promise<void> {
  const runner = runnerFor(app);
  if (!addLesson(lesson) && findLesson(lesson.id) !== lesson) {
    runner.store.setState({
      error: `the lesson's id '${lesson.id}' is a built-in lesson's: give it another id in its front matter`,
    });
    return;
  }
  await runner.open(lesson.id);
}

/** The lesson the URL names, if any: opens it after the first boot. Resolves when done. */
export async function openSharedLesson(app: AppController, loc: Pick<Location, 'search' | 'hash' | 'href'>) {
  let load: (() => Promise<Lesson>) | null = null;
  try {
    const url = lessonUrlFrom(loc.search, loc.href);
    if (url) load = () => fetchLessonDoc(url);
    else if (isLessonDocHash(loc.hash)) load = () => lessonFromLink(loc.hash);
  } catch (e) {
    load = () => Promise.reject(e as Error);
  }
  if (!load) return;
  try {
    const lesson = await load();
    await app.ready;
    await openLoadedLesson(app, lesson);
  } catch (e) {
    await app.ready.catch(() => undefined);
    runnerFor(app).store.setState({ error: (e as Error).message });
  }
}
