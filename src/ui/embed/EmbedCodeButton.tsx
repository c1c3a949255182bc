/**
 * "Copy embed code": the `<iframe>` a teacher pastes into a slide or a course page. It embeds what is
 * open: the lesson (a built-in one by id, a teacher's one as the document in the link), else this
 * machine and its scenario (the share link's hash, which an embedded frame opens like the app).
 * Shown in the Share panel (ShareExportPanel.tsx); docs/embed.md says what the frame can do.
 */
import { useState } from 'react';
import { useStore } from 'zustand';
import { useController } from '../context.ts';
import { runnerFor } from '../lesson_runner.ts';
import { lessonToMarkdown } from '../lessons/lesson_doc.ts';
import { LESSONS } from '../lessons/index.ts';
import { encodeLessonLink } from '../lessons/lesson_link.ts';
import { makeShareLink } from '../share/share_actions.ts';
import { MAX_LINK_CHARS } from '../share/share_codec.ts';
import { embedCode, embedUrl } from './embed_url.ts';
import { CopyField } from '../CopyField.tsx';

export function EmbedCodeButton() {
  const controller = useController();
  const lesson = useStore(runnerFor(controller).store, (s) => s.lesson);
  const [code, setCode] = useState('');
  const [status, setStatus] = useState('');

  const make = async (): Promise<string> => {
    const app = `${location.origin}${location.pathname}`;
    if (lesson) {
      if (LESSONS.includes(lesson)) return embedCode(embedUrl(app, { lessonId: lesson.id }));
      return embedCode(embedUrl(app, { hash: await encodeLessonLink(lessonToMarkdown(lesson)) }));
    }
    const { url } = await makeShareLink(controller);
    if (url.length > MAX_LINK_CHARS)
      throw new Error(
        'this machine’s scenario is too long for a link: save it (Copy share link) and load it with the loadScenario message (docs/embed.md)',
      );
    return embedCode(embedUrl(app, { hash: new URL(url).hash }));
  };

  const copy = () => {
    void make().then(
      async (c) => {
        setCode(c);
        const what = lesson ? `the lesson “${lesson.title}”` : 'this machine and its scenario';
        try {
          await navigator.clipboard.writeText(c);
          setStatus(`Embed code for ${what} copied (${c.length.toLocaleString('en-US')} characters).`);
        } catch {
          setStatus(`The clipboard is not available here: copy the code for ${what} from the field.`);
        }
      },
      (e: unknown) => setStatus(`Failed: ${e instanceof Error ? e.message : String(e)}`),
    );
  };

  return (
    <div className="embed-code">
      <div className="share-buttons">
        <button type="button" onClick={copy} data-testid="embed-copy">
          Copy embed code
        </button>
      </div>
      <CopyField
        label="Embed code (an iframe for slides and course pages)"
        value={code}
        placeholder="press Copy embed code"
        testId="embed-code"
      />
      {status && (
        <p className="muted hint" role="status" data-testid="embed-status">
          {status}
        </p>
      )}
    </div>
  );
}
